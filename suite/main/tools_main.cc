// mlockcheck-tools: the commands that work on one sequence file, and the
// mutation test of the suite itself.
//
//   ./mlockcheck replay FILE   run FILE step by step on this kernel, every channel shown
//   ./mlockcheck repro FILE    the standalone C reproducer of FILE, on stdout
//   ./mlockcheck mutants       how well the suite finds and shrinks injected bugs
//   ./mlockcheck merge DIR...  one verdict from the shards of a run (run --shard K/N --results-dir DIR)
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>

#include "oracles/mutants.h"
#include "oracles/page_map.h"
#include "runners/host.h"
#include "suite/lib/errata.h"
#include "suite/lib/mutants.h"
#include "suite/lib/repro.h"
#include "suite/lib/cli_args.h"
#include "suite/lib/run_results.h"
#include "suite/lib/scenarios.h"
#include "suite/lib/stepper.h"
#include "suite/lib/suite_context.h"

namespace mlc {
namespace {

constexpr const char* kUsage =
    "usage: mlockcheck replay FILE\n"
    "       mlockcheck repro [--mutant NAME] FILE\n"
    "       mlockcheck mutants [--sequences N] [--steps N] [--seed S] [--only NAME] [--report-dir DIR] [--jobs N]\n"
    "       mlockcheck merge [--ktap] [--quiet] [--junit FILE] DIR...\n";

constexpr const char* kMergeHelp =
    "usage: mlockcheck merge [--ktap] [--quiet] [--junit FILE] DIR...\n"
    "Joins the shards of one run, each run on its own machine with\n"
    "  ./mlockcheck run --seed S --shard K/N --results-dir DIR [RUN-FLAGS]\n"
    "(the same S, N and flags on every machine), into the output one run prints: every\n"
    "test (failed if it failed in any shard, its report naming the shard), one coverage\n"
    "summary, the known kernel bugs, one RESULT line, and one exit code.\n"
    "  --ktap         KTAP output\n"
    "  --quiet        failures, known kernel bugs and RESULT only\n"
    "  --junit FILE   also write JUnit XML to FILE\n"
    "exit codes: 0 conformant, 1 a shard diverged, 2 usage error, unreadable results, shards\n"
    "            of different runs or a shard missing (or a shard's harness error), 4 no shard\n"
    "            could run anything\n";

constexpr const char* kReplayHelp =
    "usage: mlockcheck replay FILE\n"
    "Runs the sequence file FILE on this kernel step by step and prints every channel\n"
    "after every call; a step where kernel and model differ is marked '!!' and explained,\n"
    "and a divergence that is a registered kernel erratum is named. A file whose header\n"
    "has '# profile: thp' (found by a --thp run) replays under the THP profile.\n"
    "exit codes: 0 kernel and model agree, 1 a step diverged, 2 usage, file or harness\n"
    "            error, 4 the file needs something this kernel or host lacks\n";

constexpr const char* kReproHelp =
    "usage: mlockcheck repro [--mutant NAME] FILE\n"
    "Prints a standalone C program for the sequence file FILE: every call with its\n"
    "result checked, and every channel after the last call, as this kernel's profile\n"
    "predicts. Build it with 'cc -o repro repro.c'; it exits 0 where the kernel behaves.\n"
    "  --mutant NAME  expectations of the model with mutant NAME (./mlockcheck mutants),\n"
    "                 checking the channels where it differs from the correct model: the\n"
    "                 program exits 1 on a correct kernel (a test of the reproducers)\n"
    "exit codes: 0 printed, 2 usage or file error, 4 the file needs what this host lacks\n"
    "            (or, with --mutant, the mutant does not show on this host's configuration)\n";

int Usage(const std::string& why) {
  std::cerr << "mlockcheck: " << why << "\n" << kUsage;
  return kExitHarness;
}

// The run profile a sequence file's header names ("# profile: thp" from a
// --thp run's report); false, with the error printed, for one not known.
bool ProfileOf(const std::string& path, const SequenceFile& file, bool* thp) {
  const auto it = file.header.find("profile");
  *thp = it != file.header.end() && it->second == "thp";
  if (it == file.header.end() || *thp) return true;
  std::cerr << "mlockcheck: " << path << ": unknown profile '" << it->second << "' (known: thp)\n";
  return false;
}

bool LoadFile(const std::string& path, SequenceFile* file) {
  std::string error;
  if (ReadSequenceFile(path, file, &error)) {
    if (!file->ops.empty()) return true;
    error = path + ": expected at least one call";
  }
  std::cerr << "mlockcheck: " << error << "\n";
  return false;
}

std::string Totals(const Observation& o) {
  std::ostringstream os;
  os << "Rss " << o.rss_kb << " kB, Locked " << o.locked_kb << " kB, VmLck " << o.vmlck_kb << " kB";
  return os.str();
}

// The per-page flags of the mapped pages in [first, end), as runs:
// "0-1 rw-p lo, 2 ---p lo lf".
std::string FlagRuns(const Observation& o, size_t first, size_t end) {
  std::string out;
  for (size_t i = first; i < end && i < o.page_bits.size();) {
    size_t j = i;
    while (j + 1 < end && j + 1 < o.page_bits.size() && o.page_bits[j + 1] == o.page_bits[i]) ++j;
    if (o.page_bits[i] & kPageMapped) {
      out += (out.empty() ? "" : ", ") + std::to_string(i) + (j > i ? "-" + std::to_string(j) : "") + " " +
             PageBitsString(o.page_bits[i]);
    }
    i = j + 1;
  }
  return out.empty() ? "none mapped" : out;
}

// Runs the file on the kernel, printing every step with every channel: the
// result, the page map of the pages the sequence names and their flags, the
// summed channels; a step where kernel and model differ is marked "!!" and
// explained. Steps after a divergence still run and print.
int Replay(const std::string& path) {
  SequenceFile file;
  if (!LoadFile(path, &file)) return kExitHarness;
  RunOptions options;
  if (!ProfileOf(path, file, &options.thp)) return kExitHarness;
  options.steps = static_cast<uint32_t>(std::max<size_t>(file.ops.size(), 1));
  auto& ctx = SuiteContext::Get();
  std::string message;
  if (const int rc = ctx.Init(options, &message); rc != kExitConformant) {
    std::cerr << "mlockcheck: " << message << "\n";
    return rc;
  }
  if (const std::string why = ctx.UnsupportedReason(file.ops); !why.empty()) {
    std::cout << "SKIP: " << path << ": " << why << "\n";
    return kExitNothingRan;
  }
  const ModelConfig& config = ctx.model_config();
  const PageWindow window = WindowOf(file.ops, config.page_size, config.arena_pages);
  std::cout << "replay " << path << ": " << file.ops.size() << (file.ops.size() == 1 ? " call" : " calls") << " on kernel " << ctx.release() << ", "
            << config.profile.Describe() << "\n"
            << "arena A = " << HexString(config.arena_base) << "; page map of pages " << window.first << "-"
            << (window.end == 0 ? 0 : window.end - 1) << ": " << kPageMapLegend << "\n";
  if (config.thp) {
    std::cout << "THP profile (the file's '# profile: thp'): private anonymous mappings MADV_HUGEPAGE, the "
                 "kernel's PMD mappings adopted after every step\n";
  }
  if (file.header.count("rule")) std::cout << "rule: " << file.header.at("rule") << "\n";
  Stepper stepper(config);
  size_t divergent_steps = 0;
  std::optional<uint32_t> first_divergent;
  std::vector<ChannelDiff> first_diffs;
  const auto sink = [&](uint32_t step, const Observation& observed) {
    const Op& op = file.ops[step];
    const auto diffs = stepper.Check(op, observed);
    const Outcome& predicted = stepper.predicted();
    const Observation& expected = stepper.expected();
    divergent_steps += !diffs.empty();
    if (!diffs.empty() && !first_divergent) {
      first_divergent = step;
      first_diffs = diffs;
    }
    std::cout << (diffs.empty() ? "   " : "!! ") << step << "  line " << file.lines[step] << ": "
              << FormatCall(op, true) << "  = " << OutcomeString(observed.outcome, op, config.arena_base);
    if (!OutcomeAllows(predicted, observed.outcome)) std::cout << "  (expected " << OutcomeString(predicted, op, config.arena_base) << ")";
    std::cout << "\n      observed  " << PageMap(observed, window.first, window.end) << "  " << Totals(observed)
              << ", lo VMAs " << observed.lo_vma_kb << " kB\n"
              << "      pages     " << FlagRuns(observed, window.first, window.end) << "\n";
    if (const Observation* child = observed.fork_child.get()) {
      Op probe = op;
      probe.kind = OpKind::kMmap;
      // The fork child's own view (its probe mmap's result, then its state).
      std::cout << "      child     " << PageMap(*child, window.first, window.end) << "  " << Totals(*child)
                << ", lo VMAs " << child->lo_vma_kb << " kB; its mmap = "
                << OutcomeString(child->outcome, probe, config.arena_base) << "\n";
    }
    // The heap region, when brk mapped anything.
    const auto mapped = std::count_if(observed.heap_bits.begin(), observed.heap_bits.end(), [](uint8_t b) { return b != 0; });
    if (mapped > 0) {
      const auto lo = std::count_if(observed.heap_bits.begin(), observed.heap_bits.end(),
                                    [](uint8_t b) { return (b & kPageLo) != 0; });
      std::cout << "      heap      " << mapped << " pages mapped, " << lo << " lo, Rss " << observed.heap_rss_kb
                << " kB, Locked " << observed.heap_locked_kb << " kB\n";
    }
    if (!diffs.empty()) {
      std::cout << "      expected  " << PageMap(expected, window.first, window.end) << "  " << Totals(expected) << "\n";
      for (const ChannelDiff& d : diffs) {
        std::cout << "      differs: " << ChannelName(d.channel);
        if (!d.expected.empty() || !d.observed.empty()) std::cout << ": expected " << d.expected << ", observed " << d.observed;
        std::cout << "\n";
        std::istringstream lines(d.detail);
        for (std::string line; std::getline(lines, line);) std::cout << "      " << line << "\n";
      }
    }
    return true;
  };
  const RunReport run = ctx.executor().Run(ToWire(file.ops, config.arena_base), sink);
  if (run.status != RunStatus::kCompleted) {
    std::cout << "HARNESS ERROR (" << RunStatusName(run.status) << "): " << run.detail << "\n";
    return kExitHarness;
  }
  if (first_divergent) {
    if (const Erratum* e = MatchErratum(ctx.errata(), config.profile.version, file.ops[*first_divergent], first_diffs)) {
      std::cout << "KNOWN KERNEL BUG " << e->id << ": step " << *first_divergent << " diverges as registered for kernels "
                << e->KernelRange() << " (fix: " << e->fix << "); `run` reports it as a known kernel bug\n";
    }
  }
  std::cout << "REPLAY file=" << path << " steps=" << file.ops.size() << " divergent_steps=" << divergent_steps << "\n";
  return divergent_steps > 0 ? kExitDivergence : kExitConformant;
}

// The C reproducer of a file: every call, each result checked, and every
// channel after the last call, with this kernel's profile. With a mutant:
// that model's expectations, checked where it differs from the correct
// model, as the report of a finding against it names them.
int Repro(const std::string& path, const MutantInfo* mutant) {
  SequenceFile file;
  if (!LoadFile(path, &file)) return kExitHarness;
  bool thp = false;
  if (!ProfileOf(path, file, &thp)) return kExitHarness;
  if (thp) {
    // Which ranges the kernel PMD-maps is an input of the THP profile that a
    // standalone program cannot know in advance.
    std::cerr << "mlockcheck: " << path << ": found under --thp; a reproducer runs with THP off, use ./mlockcheck replay\n";
    return kExitNothingRan;
  }
  std::string why;
  ModelConfig config = HostModelConfig(&why);
  if (!why.empty()) {
    std::cerr << "mlockcheck: " << why << "\n";
    return kExitNothingRan;
  }
  size_t step = 0;
  if (const char* unmodelled = UnmodelledStep(config, file.ops, &step)) {
    std::cerr << "mlockcheck: " << path << ": step " << step << ": " << unmodelled << "\n";
    return kExitNothingRan;
  }
  if (const std::string refused = RefusedByExecutor(file.ops, config); !refused.empty()) {
    std::cerr << "mlockcheck: " << path << ": " << refused << "\n";
    return kExitHarness;
  }
  if (mutant == nullptr) {
    std::cout << WriteReproducer(file.ops, config, ReproCheck::AllChannelsAfterLastStep(file.ops.size()),
                                 "sequence file " + path);
    return kExitConformant;
  }
  const SequenceResult simulated = SimulateSequence(file.ops, config, mutant->bug, /*as_given=*/true);
  if (simulated.verdict != Verdict::kDivergence) {
    std::cerr << "mlockcheck: " << path << ": mutant " << mutant->name
              << " does not diverge from the correct model on this host's configuration\n";
    return kExitNothingRan;
  }
  ReproCheck check = ReproCheck::ForDivergence(simulated);
  check.why = std::string("Expectations of mutant ") + mutant->name + ": a correct kernel exits 1.";
  ModelConfig mutated = config;
  mutated.planted_bug = mutant->bug;
  std::cout << WriteReproducer(file.ops, mutated, check, "mutant " + std::string(mutant->name) + ", " + path);
  return kExitConformant;
}

int MergeMain(int argc, char** argv) {
  bool ktap = false, quiet = false;
  std::string junit;
  std::vector<std::string> dirs;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::cout << kMergeHelp;
      return kExitConformant;
    } else if (arg == "--ktap") {
      ktap = true;
    } else if (arg == "--quiet") {
      quiet = true;
    } else if (arg == "--junit") {
      const std::string value = i + 1 < argc ? argv[i + 1] : "";
      if (const std::string why = OutputFileProblem("--junit", value); !why.empty()) return Usage(why);
      junit = value;
      ++i;
    } else if (arg.rfind("-", 0) == 0) {
      return Usage("merge: unknown flag '" + arg + "'");
    } else {
      dirs.push_back(arg);
    }
  }
  if (dirs.empty()) return Usage("merge needs the shards' result directories (run --shard K/N --results-dir DIR)");
  std::vector<RunResults> parts;
  for (const std::string& dir : dirs) {
    RunResults part;
    std::string why;
    if (!ReadRunResults(dir, &part, &why)) {
      std::cerr << "mlockcheck: merge: " << why << "\n";
      return kExitHarness;
    }
    parts.push_back(std::move(part));
  }
  RunResults merged;
  std::string why;
  if (!MergeRunResults(parts, &merged, &why)) {
    std::cerr << "mlockcheck: merge: " << why << "\n";
    return kExitHarness;
  }
  // The arena line says what the whole run was, not shard 1's part of it.
  unsigned long long sequences = 0, steps = 0;
  if (parts.size() > 1 && std::sscanf(merged.run.c_str(), " --sequences %llu --steps %llu", &sequences, &steps) == 2) {
    for (std::string& line : merged.header) {
      if (line.rfind("arena ", 0) != 0) continue;
      line = line.substr(0, line.find("; ")) + "; " + std::to_string(sequences) + " sequences of up to " +
             std::to_string(steps) + " steps; seed " + std::to_string(merged.seed) + "; " +
             std::to_string(parts.size()) + " shards";
    }
  }
  if (parts.size() > 1) {
    merged.header.insert(merged.header.begin(), "merged " + std::to_string(parts.size()) + " shards of the run of seed " +
                                                    std::to_string(merged.seed));
  }
  PrintRunResults(merged, ktap, quiet, std::cout);
  if (!junit.empty() && !WriteJUnit(merged, junit, &why)) {
    std::cerr << "mlockcheck: merge: " << why << "\n";
    return kExitHarness;
  }
  return merged.exit_code;
}

int Main(int argc, char** argv) {
  if (argc < 2) return Usage("missing command");
  const std::string command = argv[1];
  if (command == "replay" || command == "repro") {
    if (argc == 3 && (std::string(argv[2]) == "--help" || std::string(argv[2]) == "-h")) {
      std::cout << (command == "replay" ? kReplayHelp : kReproHelp);
      return kExitConformant;
    }
    if (command == "repro" && argc == 5 && std::string(argv[2]) == "--mutant") {
      const MutantInfo* mutant = MutantNamed(argv[3]);
      if (mutant == nullptr) return Usage("no mutant named '" + std::string(argv[3]) + "' (./mlockcheck mutants lists them)");
      return Repro(argv[4], mutant);
    }
    if (argc != 3) return Usage("'" + command + "' takes one sequence file");
    return command == "replay" ? Replay(argv[2]) : Repro(argv[2], nullptr);
  }
  if (command == "mutants") return MutantsMain(argc - 1, argv + 1);
  if (command == "merge") return MergeMain(argc - 1, argv + 1);
  return Usage("unknown command '" + command + "'");
}

}  // namespace
}  // namespace mlc

int main(int argc, char** argv) { return mlc::Main(argc, argv); }
