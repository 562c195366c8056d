// ./mlockcheck mutants: the table of every mutant's hunt, on --jobs
// processes at once (each a part of the catalogue, its rows collected and
// printed in catalogue order, as one process prints them).
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <sstream>
#include <string>

#include "runners/host.h"
#include "suite/lib/cli_args.h"
#include "suite/lib/mutants.h"
#include "suite/lib/report_dir.h"
#include "suite/lib/repro.h"
#include "suite/lib/suite_context.h"

namespace mlc {
namespace {

constexpr double kNeverSeconds = 1e9;

struct MutantsOptions {
  int sequences = 1000;
  int steps = 40;
  uint64_t seed = 1;
  int seeds = 1;  // > 1: measure each mutant's reach over this many seeds
  std::string only;
  std::string report_dir;
  uint32_t jobs = 0;           // 0: the CPUs this process may use
  uint32_t part = 0, parts = 0;  // a worker of --jobs: the mutants i with i % parts == part - 1
};

constexpr const char* kMutantsHelp =
    "usage: mlockcheck mutants [--sequences N] [--steps N] [--seed S] [--seeds N] [--only NAME] [--report-dir DIR]\n"
    "                          [--jobs N]\n"
    "Runs the suite's own generator and checks against simulated kernel bugs (each a\n"
    "wrong rule in a copy of the model) and prints, per mutant, whether and how fast it\n"
    "was found and how far it shrank.\n"
    "  --sequences N    sequences per mutant (1 to 100000000; default 1000)\n"
    "  --steps N        longest sequence, in calls (1 to 4096; default 40)\n"
    "  --seed S         the generator's seed (default 1)\n"
    "  --seeds N        also measure each mutant's reach: the sequences the property\n"
    "                   needs to find it from N seeds derived from S (median and worst;\n"
    "                   goal: worst under 500, median under 100); default 1 (off)\n"
    "  --only NAME      only this mutant\n"
    "  --report-dir DIR a report per detected mutant, in DIR/<mutant>\n"
    "  --jobs N         mutants hunted at once, each process on its own CPU (1 to 256;\n"
    "                   default: the CPUs this process may use); the table is the same\n"
    "exit codes: 0 every mutant detected, 1 a mutant survived, 2 usage error\n";

int ParseMutantsFlags(int argc, char** argv, MutantsOptions* o) {
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    const char* v = i + 1 < argc ? argv[i + 1] : nullptr;
    auto number = [&](uint64_t min, uint64_t max, uint64_t* out) {
      return ReadCount(flag, v, min, max, out).empty();
    };
    uint64_t n = 0;
    if (flag == "--help" || flag == "-h") {
      std::cout << kMutantsHelp;
      std::exit(0);
    } else if (flag == "--sequences" && number(1, 100000000, &n)) {
      o->sequences = static_cast<int>(n);
    } else if (flag == "--steps" && number(1, 4096, &n)) {
      o->steps = static_cast<int>(n);
    } else if (flag == "--seed" && number(0, UINT64_MAX, &n)) {
      o->seed = n;
    } else if (flag == "--seeds" && number(1, 1000, &n)) {
      o->seeds = static_cast<int>(n);
    } else if (flag == "--only" && v && MutantNamed(v)) {
      o->only = v;
    } else if (flag == "--report-dir" && v && *v) {
      o->report_dir = v;
    } else if (flag == "--jobs" && number(1, 256, &n)) {
      o->jobs = static_cast<uint32_t>(n);
    } else if (flag == "--part" && v && std::sscanf(v, "%u/%u", &o->part, &o->parts) == 2 && o->part >= 1 &&
               o->part <= o->parts) {
      // a worker of --jobs
    } else {
      std::cerr << "mlockcheck: bad or unknown flag '" << flag << (v ? std::string(" ") + v : "")
                << "' (usage: mutants [--sequences N] [--steps N] [--seed S] [--seeds N] [--only NAME] "
                   "[--report-dir DIR] [--jobs N])\n";
      return kExitHarness;
    }
    ++i;
  }
  return 0;
}

// One line of the table, and what the summary needs of it.
struct MutantRow {
  std::string name;
  bool detected = false;
  double seconds = kNeverSeconds;
  long excess = 0;                // shrunk length - minimal length
  uint64_t median = 0, worst = 0;  // reach, with --seeds
  std::string text;               // the printed line(s)
};

MutantRow HuntRow(const MutantInfo& mutant, const ModelConfig& config, const ModelConfig& simulated,
                  const MutantsOptions& options, std::string* error) {
  MutantRow row;
  row.name = mutant.name;
  const size_t minimal = MinimalSequence(mutant).size();
  const MutantHunt hunt = HuntMutant(mutant, simulated, GenOptions{}, options.seed, options.sequences, options.steps);
  // Reach over the seeds: a seed that never found it counts as sequences + 1.
  std::string reach_text;
  if (options.seeds > 1) {
    std::vector<uint64_t> r =
        MutantReach(mutant, simulated, GenOptions{}, options.seed, options.seeds, options.sequences, options.steps);
    std::sort(r.begin(), r.end());
    row.median = r[r.size() / 2];
    row.worst = r.back();
    const auto shown = [&](uint64_t v) {
      return v > static_cast<uint64_t>(options.sequences) ? ">" + std::to_string(options.sequences) : std::to_string(v);
    };
    char buf[64];
    std::snprintf(buf, sizeof buf, "  %13s %6s", shown(row.median).c_str(), shown(row.worst).c_str());
    reach_text = buf;
  }
  char line[256];
  if (!hunt.detected) {
    std::snprintf(line, sizeof line, "%-34s %-10s %-8s %9d %8s %6s %7zu%s\n", mutant.name, mutant.op, "MISSED",
                  options.sequences, "-", "-", minimal, reach_text.c_str());
    row.text = line;
    return row;
  }
  row.detected = true;
  row.seconds = hunt.seconds;
  row.excess = static_cast<long>(hunt.shrunk.size()) - static_cast<long>(minimal);
  // Shorter than "minimal" means the catalogue is wrong; the tests catch it.
  if (row.excess < 0) row.text = std::string("CATALOGUE ERROR: ") + mutant.name + " shrank below its minimal length\n";
  std::snprintf(line, sizeof line, "%-34s %-10s %-8s %9llu %8.3f %6zu %7zu%s\n", mutant.name, mutant.op, "yes",
                static_cast<unsigned long long>(hunt.sequences), hunt.seconds, hunt.shrunk.size(), minimal,
                reach_text.c_str());
  row.text += line;
  if (!options.report_dir.empty()) {
    ReportInputs in;
    in.ops = hunt.shrunk;
    in.result = hunt.result;
    in.config = config;
    in.release = std::string("simulated kernel with mutant ") + mutant.name;
    in.rerun = "./mlockcheck mutants --only " + std::string(mutant.name) + " --seed " + std::to_string(options.seed);
    in.mutant = &mutant;
    WriteReportDir(options.report_dir + "/" + mutant.name, in, error);
  }
  return row;
}

// A worker's rows on its output: "MUTANT-ROW name detected seconds excess
// median worst", then the row's text lines after "| ".
std::string SaveRow(const MutantRow& row) {
  char head[256];
  std::snprintf(head, sizeof head, "MUTANT-ROW %s %d %.6f %ld %llu %llu\n", row.name.c_str(), row.detected ? 1 : 0,
                row.seconds, row.excess, static_cast<unsigned long long>(row.median),
                static_cast<unsigned long long>(row.worst));
  std::string text = head;
  std::istringstream in(row.text);
  for (std::string line; std::getline(in, line);) text += "| " + line + "\n";
  return text;
}

std::vector<MutantRow> ParseRows(const std::string& output) {
  std::vector<MutantRow> rows;
  std::istringstream in(output);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("| ", 0) == 0 && !rows.empty()) {
      rows.back().text += line.substr(2) + "\n";
      continue;
    }
    char name[128];
    int detected = 0;
    MutantRow row;
    unsigned long long median = 0, worst = 0;
    if (std::sscanf(line.c_str(), "MUTANT-ROW %127s %d %lf %ld %llu %llu", name, &detected, &row.seconds, &row.excess,
                    &median, &worst) != 6) {
      continue;
    }
    row.name = name;
    row.detected = detected != 0;
    row.median = median;
    row.worst = worst;
    rows.push_back(row);
  }
  return rows;
}

}  // namespace

int MutantsMain(int argc, char** argv) {
  MutantsOptions options;
  if (const int rc = ParseMutantsFlags(argc, argv, &options); rc != 0) return rc;
  if (const std::string why = LoadRapidCheckConfiguration(); !why.empty()) {
    std::fprintf(stderr, "mlockcheck: %s\n", why.c_str());
    return kExitHarness;
  }
  // The host's profile, so that the findings' reproducers fit this machine;
  // no kernel runs, so an unmodelled host falls back to the newest profile.
  std::string why;
  ModelConfig config = HostModelConfig(&why);
  const bool worker = options.parts > 0;
  if (!why.empty()) {
    if (!worker) std::printf("note: %s; simulating with the 6.18 profile\n", why.c_str());
    config.profile = *ProfileForRelease("6.18.0", &why);
  }
  // The simulated kernel maps the zero page on read faults, as x86 does
  // upstream, whatever this host does: the zero-page mutants need it. The
  // reproducers of the findings still follow the host (`config`).
  ModelConfig simulated = config;
  simulated.measured.read_fault_maps_zero_page = true;
  std::vector<const MutantInfo*> chosen;
  for (const MutantInfo& mutant : Mutants()) {
    if (options.only.empty() || options.only == mutant.name) chosen.push_back(&mutant);
  }
  if (worker) {
    for (size_t i = options.part - 1; i < chosen.size(); i += options.parts) {
      std::string error;
      const MutantRow row = HuntRow(*chosen[i], config, simulated, options, &error);
      if (!error.empty()) {
        std::cerr << "mlockcheck: " << error << "\n";
        return kExitHarness;
      }
      std::cout << SaveRow(row) << std::flush;
    }
    return kExitConformant;
  }
  const std::vector<int> cpus = AllowedCpus();
  const uint32_t jobs = static_cast<uint32_t>(
      std::min<size_t>(std::max<size_t>(1, chosen.size()), options.jobs != 0 ? options.jobs : cpus.size()));
  std::printf("mutants: the conformance property against a model with one injected bug each\n"
              "%d sequences of up to %d steps per mutant; seed %llu; %s; %u %s\n", options.sequences, options.steps,
              static_cast<unsigned long long>(options.seed), config.profile.Describe().c_str(), jobs,
              jobs == 1 ? "job" : "jobs");
  const bool reach = options.seeds > 1;
  std::printf("%-34s %-10s %-8s %9s %8s %6s %7s%s\n", "mutant", "operation", "detected", "sequences", "seconds",
              "shrunk", "minimal", reach ? "  reach: median  worst" : "");
  std::fflush(stdout);
  std::vector<MutantRow> rows;
  if (jobs == 1) {
    for (const MutantInfo* mutant : chosen) {
      std::string error;
      rows.push_back(HuntRow(*mutant, config, simulated, options, &error));
      if (!error.empty()) {
        std::cerr << "mlockcheck: " << error << "\n";
        return kExitHarness;
      }
      std::fputs(rows.back().text.c_str(), stdout);
      std::fflush(stdout);
    }
  } else {
    // Workers: the same flags and a part of the catalogue each.
    std::vector<std::string> args = {"mutants", "--sequences", std::to_string(options.sequences), "--steps",
                                     std::to_string(options.steps), "--seed", std::to_string(options.seed),
                                     "--seeds", std::to_string(options.seeds)};
    if (!options.only.empty()) args.insert(args.end(), {"--only", options.only});
    if (!options.report_dir.empty()) args.insert(args.end(), {"--report-dir", options.report_dir});
    std::vector<SelfProcess> workers(jobs);
    for (uint32_t j = 1; j <= jobs; ++j) {
      std::vector<std::string> part = args;
      part.insert(part.end(), {"--part", std::to_string(j) + "/" + std::to_string(jobs)});
      std::string error;
      if (!StartSelf(part, cpus[(j - 1) % cpus.size()], &workers[j - 1], &error)) {
        std::cerr << "mlockcheck: " << error << "\n";
        return kExitHarness;
      }
    }
    bool failed = false;
    for (SelfProcess& w : workers) {
      std::string output;
      const int rc = WaitSelf(&w, &output);
      if (rc != 0) {
        std::cerr << "mlockcheck: a mutants worker failed (exit " << rc << "): " << output;
        failed = true;
      }
      for (MutantRow& row : ParseRows(output)) rows.push_back(std::move(row));
    }
    if (failed) return kExitHarness;
    // Catalogue order, as one process prints them.
    std::vector<MutantRow> ordered;
    for (const MutantInfo* mutant : chosen) {
      const auto it = std::find_if(rows.begin(), rows.end(), [&](const MutantRow& r) { return r.name == mutant->name; });
      if (it == rows.end()) {
        std::cerr << "mlockcheck: no worker reported mutant " << mutant->name << "\n";
        return kExitHarness;
      }
      ordered.push_back(*it);
      std::fputs(it->text.c_str(), stdout);
    }
    rows = std::move(ordered);
  }
  uint64_t worst_reach = 0, worst_median = 0;
  std::string slowest;
  int detected = 0, at_minimal = 0;
  long worst_excess = 0;
  std::vector<double> seconds;
  for (const MutantRow& row : rows) {
    if (reach) {
      if (row.worst > worst_reach) slowest = row.name;
      worst_reach = std::max(worst_reach, row.worst);
      worst_median = std::max(worst_median, row.median);
    }
    // A missed mutant counts as never detected: infinitely late.
    seconds.push_back(row.detected ? row.seconds : kNeverSeconds);
    if (!row.detected) continue;
    ++detected;
    at_minimal += row.excess == 0;
    worst_excess = std::max(worst_excess, row.excess);
  }
  const int total = static_cast<int>(rows.size());
  std::sort(seconds.begin(), seconds.end());
  const double median = seconds.empty() ? 0
                        : seconds.size() % 2 ? seconds[seconds.size() / 2]
                                             : (seconds[seconds.size() / 2 - 1] + seconds[seconds.size() / 2]) / 2;
  char median_text[32];
  if (median >= kNeverSeconds) {
    std::snprintf(median_text, sizeof median_text, "inf");
  } else {
    std::snprintf(median_text, sizeof median_text, "%.3f", median);
  }
  if (reach) {
    std::printf("REACH seeds=%d worst=%llu (%s) worst_median=%llu goal: worst < 500, median < 100: %s\n",
                options.seeds, static_cast<unsigned long long>(worst_reach), slowest.c_str(),
                static_cast<unsigned long long>(worst_median),
                worst_reach < 500 && worst_median < 100 ? "met" : "NOT MET");
  }
  std::printf("MUTANTS total=%d detected=%d minimal=%d worst_excess=%ld median_seconds=%s\n", total, detected,
              at_minimal, worst_excess, median_text);
  return detected == total ? kExitConformant : kExitDivergence;
}

}  // namespace mlc
