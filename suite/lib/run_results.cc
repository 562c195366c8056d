#include "suite/lib/run_results.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <map>
#include <sstream>

#include "suite/lib/cli_args.h"
#include "suite/lib/coverage.h"

namespace mlc {
namespace {

constexpr const char* kMagic = "mlockcheck-results 1";

const char* StatusName(TestResult::Status s) {
  return s == TestResult::kOk ? "ok" : s == TestResult::kSkip ? "skip" : "fail";
}

void PutText(std::ostream& os, const std::string& text) {
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) os << "| " << line << "\n";
}

// Decimal digits up to UINT64_MAX (seeds use all 64 bits).
bool ParseNumber(const std::string& text, uint64_t* n) {
  return !text.empty() && text.find_first_not_of("0123456789") == std::string::npos && ParseCount(text.c_str(), n);
}

bool ParseSeconds(const std::string& text, double* s) {
  if (text.empty() || text.find_first_not_of("0123456789.") != std::string::npos) return false;
  char* end = nullptr;
  *s = std::strtod(text.c_str(), &end);
  return *end == '\0';
}

std::string XmlEscape(const std::string& text) {
  std::string out;
  for (const char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\n': out += "&#x0A;"; break;
      default:
        // XML 1.0 has no other control characters.
        if (static_cast<unsigned char>(c) < 0x20 && c != '\t') {
          out += '?';
        } else {
          out += c;
        }
    }
  }
  return out;
}

}  // namespace

std::string FormatRunResults(const RunResults& r) {
  std::ostringstream os;
  os << std::fixed;  // seconds as 12.5, never 1e+01 (ParseSeconds() takes digits and a point)
  os << kMagic << "\n"
     << "kernel " << r.kernel << "\n"
     << "seed " << r.seed << "\n"
     << "shard " << r.shard << "/" << r.shards << "\n"
     << "strict " << (r.strict ? 1 : 0) << "\n"
     << "run" << r.run << "\n"
     << "exit " << r.exit_code << "\n";
  for (const std::string& line : r.header) os << "header " << line << "\n";
  if (!r.stopped.empty()) os << "stopped " << r.stopped << "\n";
  for (const TestResult& t : r.tests) {
    os << "test " << StatusName(t.status) << " " << std::setprecision(0) << t.ms << " " << t.name;
    if (t.status == TestResult::kSkip) os << "\t" << t.reason;
    os << "\n";
    if (t.status == TestResult::kFail) PutText(os, t.failure);
  }
  for (const KnownBugSummary& b : r.known_bugs) {
    os << "known-bug " << b.id << " " << b.sequences << "\t" << b.fix << "\n";
    PutText(os, b.details);
  }
  std::istringstream cov(r.coverage);
  for (std::string line; std::getline(cov, line);) os << "coverage " << line << "\n";
  os << "result sequences=" << r.sequences << " steps=" << r.steps << " divergences=" << r.divergences
     << " harness_errors=" << r.harness_errors << " seconds=" << std::setprecision(1) << r.seconds << "\n";
  return os.str();
}

bool ParseRunResults(const std::string& text, RunResults* out, std::string* why) {
  RunResults r;
  std::istringstream in(text);
  std::string line;
  if (!std::getline(in, line) || line != kMagic) {
    *why = "not an mlockcheck results file (its first line is not '" + std::string(kMagic) + "')";
    return false;
  }
  bool have_result = false;
  std::string* text_of = nullptr;  // where "| " lines go
  for (int number = 2; std::getline(in, line); ++number) {
    const size_t space = line.find(' ');
    const std::string key = line.substr(0, space);
    const std::string value = space == std::string::npos ? "" : line.substr(space + 1);
    bool ok = true;
    uint64_t n = 0;
    if (key == "|") {
      ok = text_of != nullptr;
      if (ok) *text_of += value + "\n";
      if (ok) continue;
    } else if (key == "kernel") {
      r.kernel = value;
    } else if (key == "seed") {
      ok = ParseNumber(value, &r.seed);
    } else if (key == "shard") {
      const size_t slash = value.find('/');
      uint64_t k = 0, of = 0;
      ok = slash != std::string::npos && ParseNumber(value.substr(0, slash), &k) &&
           ParseNumber(value.substr(slash + 1), &of) && k >= 1 && k <= of && of <= 1024;
      r.shard = static_cast<uint32_t>(k);
      r.shards = static_cast<uint32_t>(of);
    } else if (key == "strict") {
      ok = value == "0" || value == "1";
      r.strict = value == "1";
    } else if (key == "exit") {
      ok = ParseNumber(value, &n) && (n == 0 || n == 1 || n == 2 || n == 4);
      r.exit_code = static_cast<int>(n);
    } else if (key == "run") {
      r.run = space == std::string::npos ? "" : line.substr(3);
    } else if (key == "header") {
      r.header.push_back(value);
    } else if (key == "stopped") {
      r.stopped = value;
    } else if (key == "test") {
      // "test STATUS MS NAME[<TAB>REASON]"
      std::istringstream f(value);
      std::string status, ms, rest;
      f >> status >> ms;
      std::getline(f >> std::ws, rest);
      TestResult t;
      const size_t tab = rest.find('\t');
      t.name = rest.substr(0, tab);
      if (tab != std::string::npos) t.reason = rest.substr(tab + 1);
      ok = ParseSeconds(ms, &t.ms) && !t.name.empty() && t.name.find(' ') == std::string::npos &&
           (status == "ok" || status == "skip" || status == "fail");
      t.status = status == "ok" ? TestResult::kOk : status == "skip" ? TestResult::kSkip : TestResult::kFail;
      r.tests.push_back(t);
      text_of = &r.tests.back().failure;
      if (ok) continue;
    } else if (key == "known-bug") {
      // "known-bug ID SEQUENCES<TAB>FIX"
      KnownBugSummary b;
      const size_t tab = value.find('\t');
      std::istringstream f(value.substr(0, tab));
      std::string count;
      f >> b.id >> count;
      if (tab != std::string::npos) b.fix = value.substr(tab + 1);
      ok = !b.id.empty() && ParseNumber(count, &b.sequences);
      r.known_bugs.push_back(b);
      text_of = &r.known_bugs.back().details;
      if (ok) continue;
    } else if (key == "coverage") {
      r.coverage += value + "\n";
    } else if (key == "result") {
      std::istringstream f(value);
      std::map<std::string, std::string> kv;
      for (std::string field; f >> field;) {
        const size_t eq = field.find('=');
        if (eq != std::string::npos) kv[field.substr(0, eq)] = field.substr(eq + 1);
      }
      ok = ParseNumber(kv["sequences"], &r.sequences) && ParseNumber(kv["steps"], &r.steps) &&
           ParseNumber(kv["divergences"], &r.divergences) && ParseNumber(kv["harness_errors"], &r.harness_errors) &&
           ParseSeconds(kv["seconds"], &r.seconds);
      have_result = ok;
    } else {
      ok = false;
    }
    if (!ok) {
      *why = "line " + std::to_string(number) + " not understood: '" + line + "'";
      return false;
    }
    text_of = nullptr;
  }
  if (!have_result) {
    *why = "no result line (the run did not finish)";
    return false;
  }
  Coverage check;
  if (!check.AddSaved(r.coverage, why)) return false;
  *out = std::move(r);
  return true;
}

bool WriteRunResults(const std::string& dir, const RunResults& results, std::string* why) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  const std::string path = dir + "/" + kResultsFile;
  std::ofstream f(path);
  f << FormatRunResults(results);
  f.close();
  if (!f) {
    *why = "cannot write " + path;
    return false;
  }
  return true;
}

bool ReadRunResults(const std::string& dir, RunResults* results, std::string* why) {
  const std::string path = dir + "/" + kResultsFile;
  std::ifstream f(path);
  if (!f) {
    *why = dir + ": no " + kResultsFile + " (a directory a run --results-dir wrote)";
    return false;
  }
  std::ostringstream text;
  text << f.rdbuf();
  if (!ParseRunResults(text.str(), results, why)) {
    *why = path + ": " + *why;
    return false;
  }
  return true;
}

bool MergeRunResults(std::vector<RunResults> parts, RunResults* merged, std::string* why,
                     const std::string& part_name) {
  if (parts.empty()) {
    *why = "nothing to merge";
    return false;
  }
  std::stable_sort(parts.begin(), parts.end(), [](const RunResults& a, const RunResults& b) { return a.shard < b.shard; });
  const RunResults& first = parts.front();
  for (size_t i = 0; i < parts.size(); ++i) {
    const RunResults& p = parts[i];
    const std::string part = part_name + " " + std::to_string(p.shard) + "/" + std::to_string(p.shards);
    if (p.kernel != first.kernel) {
      *why = "the parts ran on different kernels (" + first.kernel + ", " + p.kernel + ")";
    } else if (p.run != first.run) {
      *why = part + " ran with other flags (" + p.run.substr(p.run.empty() ? 0 : 1) + ") than " + part_name + " " +
             std::to_string(first.shard) + "/" + std::to_string(first.shards) + " (" +
             first.run.substr(first.run.empty() ? 0 : 1) + ")";
    } else if (p.seed != first.seed || p.shards != first.shards || p.strict != first.strict) {
      *why = part + " is of another run (seed " + std::to_string(p.seed) + ", " + std::to_string(p.shards) +
             " parts) than " + part_name + " " + std::to_string(first.shard) + "/" + std::to_string(first.shards) + " (seed " +
             std::to_string(first.seed) + ")";
    } else if (p.shard != i + 1) {
      *why = p.shard == i ? part + " is there twice"
                          : part_name + " " + std::to_string(i + 1) + "/" + std::to_string(first.shards) + " is missing";
    } else {
      continue;
    }
    return false;
  }
  if (parts.size() != first.shards) {
    *why = part_name + " " + std::to_string(parts.size() + 1) + "/" + std::to_string(first.shards) + " is missing";
    return false;
  }
  RunResults m;
  m.kernel = first.kernel;
  m.seed = first.seed;
  m.strict = first.strict;
  m.run = first.run;
  m.header = first.header;
  Coverage coverage;
  std::map<std::string, size_t> test_at, bug_at;
  bool diverged = false, harness = false, all_nothing = true;
  std::vector<std::string> stopped;
  std::vector<TestResult> stopped_tests;
  for (const RunResults& p : parts) {
    // A failure's text starts with its part on a line of its own.
    const std::string label =
        parts.size() > 1 ? part_name + " " + std::to_string(p.shard) + "/" + std::to_string(p.shards) + ":\n" : "";
    for (const TestResult& t : p.tests) {
      auto [it, fresh] = test_at.emplace(t.name, m.tests.size());
      if (fresh) {
        m.tests.push_back(t);
        if (t.status == TestResult::kFail) m.tests.back().failure = label + t.failure;
        continue;
      }
      TestResult& into = m.tests[it->second];
      into.ms = std::max(into.ms, t.ms);
      if (t.status == TestResult::kFail) {
        if (into.status != TestResult::kFail) into.failure.clear();
        into.status = TestResult::kFail;
        into.failure += label + t.failure;
      } else if (t.status == TestResult::kOk && into.status == TestResult::kSkip) {
        into.status = TestResult::kOk;
        into.reason.clear();
      }
    }
    for (const KnownBugSummary& b : p.known_bugs) {
      auto [it, fresh] = bug_at.emplace(b.id, m.known_bugs.size());
      if (fresh) {
        m.known_bugs.push_back(b);
      } else {
        m.known_bugs[it->second].sequences += b.sequences;
      }
    }
    if (!p.stopped.empty()) {
      // A part that did not run is a test of its own, so that KTAP and
      // JUnit show it: failed on a harness error, skipped where it could
      // not run here (exit 4).
      TestResult ran;
      ran.name = "Harness.PartRan/" + part_name + "-" + std::to_string(p.shard) + "-of-" + std::to_string(p.shards);
      ran.status = p.exit_code == 4 ? TestResult::kSkip : TestResult::kFail;
      (ran.status == TestResult::kSkip ? ran.reason : ran.failure) = p.stopped + (ran.status == TestResult::kSkip ? "" : "\n");
      stopped_tests.push_back(ran);
    }
    if (!p.stopped.empty()) stopped.push_back(part_name + " " + std::to_string(p.shard) + "/" + std::to_string(p.shards) +
                                              " did not run: " + p.stopped);
    if (!coverage.AddSaved(p.coverage, why)) return false;
    m.sequences += p.sequences;
    m.steps += p.steps;
    m.divergences += p.divergences;
    m.harness_errors += p.harness_errors;
    m.seconds = std::max(m.seconds, p.seconds);
    diverged = diverged || p.exit_code == 1;
    harness = harness || p.exit_code == 2;
    all_nothing = all_nothing && p.exit_code == 4;
  }
  if (stopped.size() == parts.size()) {
    m.stopped = first.stopped;  // the same machine and flags: the same reason
  } else {
    m.header.insert(m.header.end(), stopped.begin(), stopped.end());
    m.tests.insert(m.tests.end(), stopped_tests.begin(), stopped_tests.end());
  }
  m.coverage = coverage.Save();
  m.exit_code = diverged ? 1 : harness ? 2 : all_nothing ? 4 : 0;
  *merged = std::move(m);
  return true;
}

void PrintPrefixed(std::ostream& os, const std::string& text, const char* prefix) {
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) os << prefix << line << "\n";
}

void PrintKnownBugs(const std::vector<KnownBugSummary>& bugs, bool strict, bool quiet, const char* prefix,
                    std::ostream& out) {
  if (bugs.empty()) return;
  std::ostringstream os;
  for (const KnownBugSummary& b : bugs) {
    os << "KNOWN KERNEL BUG " << b.id << ": " << b.sequences << " sequence(s) diverged as registered"
       << (strict ? " (fails the run: --strict)" : "");
    if (quiet) {  // one line each; the rest is in the registry
      os << "; fix: " << b.fix << "\n";
      continue;
    }
    os << "\n" << b.details;
  }
  os << "known kernel bugs: " << bugs.size() << " (not counted as divergences; with --strict they fail the run)\n";
  PrintPrefixed(out, os.str(), prefix);
  out << std::flush;
}

std::string ResultLine(const std::string& kernel, uint64_t sequences, uint64_t steps, uint64_t divergences,
                       uint64_t errata, uint64_t harness_errors, double seconds) {
  std::ostringstream os;
  os.setf(std::ios::fixed);
  os.precision(1);
  os << "RESULT kernel=" << kernel << " sequences=" << sequences << " steps=" << steps
     << " divergences=" << divergences << " errata=" << errata << " harness_errors=" << harness_errors
     << " seconds=" << seconds;
  return os.str();
}

void PrintRunResults(const RunResults& r, bool ktap, bool quiet, std::ostream& os) {
  const char* diag = ktap ? "# " : "";
  const std::string result =
      ResultLine(r.kernel, r.sequences, r.steps, r.divergences, r.known_bugs.size(), r.harness_errors, r.seconds);
  if (r.tests.empty() && !r.stopped.empty()) {  // as the run itself says it
    if (ktap) {
      os << "KTAP version 1\n1..0 # SKIP " << r.stopped << "\n";
    } else {
      os << (r.exit_code == 4 ? "SKIP: " : "mlockcheck: harness error: ") << r.stopped << "\n";
    }
    os << diag << result << "\n" << std::flush;
    return;
  }
  if (ktap) os << "KTAP version 1\n1.." << r.tests.size() << "\n";
  if (!quiet || ktap) {
    for (const std::string& line : r.header) os << diag << line << "\n";
  }
  int number = 0;
  for (const TestResult& t : r.tests) {
    ++number;
    if (t.status == TestResult::kFail) PrintPrefixed(os, t.failure, diag);
    if (ktap) {
      os << (t.status == TestResult::kFail ? "not ok " : "ok ") << number << " " << t.name;
      if (t.status == TestResult::kSkip) os << " # SKIP " << t.reason;
      os << "\n";
    } else if (t.status == TestResult::kFail) {
      os << "FAIL  " << t.name << "\n";
    } else if (!quiet) {
      os << (t.status == TestResult::kSkip ? "SKIP  " : "ok    ") << t.name;
      if (t.status == TestResult::kSkip) os << " (" << t.reason << ")";
      os << " [" << std::fixed << std::setprecision(0) << t.ms << " ms]\n";
    }
  }
  if (!quiet) {
    Coverage coverage;
    std::string why;
    if (coverage.AddSaved(r.coverage, &why)) coverage.Print(os, diag);
  }
  PrintKnownBugs(r.known_bugs, r.strict, quiet, diag, os);
  os << diag << result << "\n" << std::flush;
}

bool WriteJUnit(const RunResults& r, const std::string& path, std::string* why) {
  // Suites in order of their first test, as GoogleTest writes them.
  std::vector<std::string> suites;
  std::map<std::string, std::vector<const TestResult*>> of;
  for (const TestResult& t : r.tests) {
    const std::string suite = t.name.substr(0, t.name.find('.'));
    if (of.find(suite) == of.end()) suites.push_back(suite);
    of[suite].push_back(&t);
  }
  auto count = [](const std::vector<const TestResult*>& tests, TestResult::Status s) {
    return std::count_if(tests.begin(), tests.end(), [s](const TestResult* t) { return t->status == s; });
  };
  std::vector<const TestResult*> all;
  for (const TestResult& t : r.tests) all.push_back(&t);
  std::ostringstream os;
  os << std::fixed << std::setprecision(3);
  os << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
     << "<testsuites tests=\"" << all.size() << "\" failures=\"" << count(all, TestResult::kFail)
     << "\" disabled=\"0\" errors=\"0\" time=\"" << r.seconds << "\" name=\"AllTests\">\n";
  for (const std::string& suite : suites) {
    const auto& tests = of[suite];
    double seconds = 0;
    for (const TestResult* t : tests) seconds += t->ms / 1000;
    os << "  <testsuite name=\"" << XmlEscape(suite) << "\" tests=\"" << tests.size() << "\" failures=\""
       << count(tests, TestResult::kFail) << "\" disabled=\"0\" skipped=\"" << count(tests, TestResult::kSkip)
       << "\" errors=\"0\" time=\"" << seconds << "\">\n";
    for (const TestResult* t : tests) {
      const std::string name = t->name.substr(t->name.find('.') + 1);
      os << "    <testcase name=\"" << XmlEscape(name) << "\" status=\"run\" result=\""
         << (t->status == TestResult::kSkip ? "skipped" : "completed") << "\" time=\"" << t->ms / 1000
         << "\" classname=\"" << XmlEscape(suite) << "\"";
      if (t->status == TestResult::kOk) {
        os << " />\n";
        continue;
      }
      os << ">\n";
      if (t->status == TestResult::kFail) {
        const std::string first = t->failure.substr(0, t->failure.find('\n'));
        os << "      <failure message=\"" << XmlEscape(first) << "\" type=\"\">" << XmlEscape(t->failure)
           << "</failure>\n";
      } else {
        os << "      <skipped message=\"" << XmlEscape(t->reason) << "\" />\n";
      }
      os << "    </testcase>\n";
    }
    os << "  </testsuite>\n";
  }
  os << "</testsuites>\n";
  std::ofstream f(path);
  f << os.str();
  f.close();
  if (!f) {
    *why = "cannot write " + path;
    return false;
  }
  return true;
}

}  // namespace mlc
