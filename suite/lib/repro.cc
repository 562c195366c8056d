#include "suite/lib/repro.h"

#include <algorithm>
#include <sstream>

#include "oracles/files.h"
#include "oracles/page_map.h"
#include "oracles/sequence_text.h"
#include "runners/arena_guard.h"
#include "runners/executor.h"
#include "runners/host.h"
#include "suite/lib/stepper.h"
// kPrelude: the fixed part of every reproducer, suite/lib/repro_prelude.c and
// repro_prelude_machine.c, embedded by CMake.
#include "repro_prelude.h"

namespace mlc {
namespace {


std::string CString(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

// An argument as C: addresses relative to the arena, everything cast to
// long so that syscall(2)'s variadic arguments are full registers.
std::string CAddr(const Op& op) {
  if (op.region == kAbsoluteAddr) return HexString(op.addr) + "UL";
  const auto offset = static_cast<int64_t>(op.addr);
  return offset < 0 ? "ARENA - " + HexString(static_cast<uint64_t>(-offset)) + "UL"
                    : "ARENA + " + HexString(op.addr) + "UL";
}

std::string CArgs(const Op& op, const OpSyntax& syntax) {
  std::string out;
  for (const ArgSyntax* arg : syntax.args) {
    if (!out.empty()) out += ", ";
    switch (arg->form) {
      case ArgSyntax::Form::kAddress: out += "(long)(" + CAddr(op) + ")"; break;
      case ArgSyntax::Form::kNumber: out += "(long)" + HexString(op.*arg->number) + "UL"; break;
      // Through int: a name joined with high bits (0xfffffffe) is an
      // unsigned int in C, and the kernel takes an int.
      case ArgSyntax::Form::kFlags: out += "(long)(int)(" + arg->names(op.*arg->bits) + ")"; break;
      case ArgSyntax::Form::kLiteral: out += std::string(arg->literal) + "L"; break;
      case ArgSyntax::Form::kArenaOffset: out += "(long)(ARENA + " + HexString(op.*arg->number) + "UL)"; break;
    }
  }
  return out;
}

std::string COutcome(const Outcome& o, const Op& op, const ModelConfig& config) {
  std::ostringstream os;
  if (op.kind == OpKind::kBrk) {
    os << "(struct outcome){ (long)(brk_base + " << HexString(static_cast<uint64_t>(o.ret) - config.heap_base)
       << "UL), 0, 0 }";
  } else if (ReturnsAddress(op.kind) && o.ret != -1 && o.signal == 0) {
    os << "(struct outcome){ (long)(ARENA + " << HexString(static_cast<uint64_t>(o.ret) - config.arena_base)
       << "UL), 0, 0 }";
  } else {
    os << "(struct outcome){ " << o.ret << ", " << o.err << ", " << o.signal;
    if (o.or_err != 0 || o.ret_max != 0) os << ", " << o.or_err;
    if (o.ret_max != 0) os << ", " << o.ret_max;
    os << " }";
  }
  return os.str();
}

// Runs of a region's pages in the same expected state, for the C table:
// `bits` and `resident` per page, `care` 0 where residency is left open.
std::string ExpectedRuns(const std::vector<uint8_t>& bits, const std::vector<uint8_t>& resident_bits,
                         const std::vector<uint8_t>& care) {
  std::ostringstream os;
  size_t n = 0;
  const size_t pages = bits.size();
  // 2 marks a page whose residency madvise left open (Observation::resident_care).
  const auto resident = [&](size_t i) { return !care.empty() && !care[i] ? 2 : int{resident_bits[i]}; };
  for (size_t i = 0; i < pages;) {
    size_t j = i;
    while (j + 1 < pages && bits[j + 1] == bits[i] && resident(j + 1) == resident(i)) ++j;
    if (bits[i] & kPageMapped) {
      os << "    { " << i << ", " << (j - i + 1) << ", " << CString(PageBitsString(bits[i])) << ", " << resident(i)
         << " },\n";
      ++n;
    }
    i = j + 1;
  }
  if (n == 0) os << "    { 0, 0, \"unmapped\", 0 },\n";
  return os.str();
}
std::string ExpectedRuns(const Observation& expected) {
  return ExpectedRuns(expected.page_bits, expected.resident, expected.resident_care);
}
std::string ExpectedHeapRuns(const Observation& expected) {
  return ExpectedRuns(expected.heap_bits, expected.heap_resident, expected.heap_resident_care);
}

bool Has(const std::vector<Channel>& channels, Channel c) {
  return std::find(channels.begin(), channels.end(), c) != channels.end();
}

// The C checks of `channels` against what `model` (the process's, or a fork
// child's) predicts, `expected` being its Predict(); `table` names the
// expected_pages array they read. The page flags, PMD mappings and hugetlb
// sizes are not read by the C program (ReproCheck::Unread()).
void EmitChecks(std::ostream& c, const Model& model, const Observation& expected, const std::vector<Channel>& channels,
                const std::string& table) {
  const ModelConfig& config = model.config();
  const MemoryTotals totals = model.Totals();
  const bool flags = Has(channels, Channel::kVma), residency = Has(channels, Channel::kResidency);
  const std::string heap_table = table + "_heap";
  if (flags || residency) {
    c << "  check_pages(" << table << ", (int)(sizeof " << table << " / sizeof " << table << "[0]), " << flags
      << ", " << residency << ");\n"
      << "  check_heap_pages(" << heap_table << ", (int)(sizeof " << heap_table << " / sizeof " << heap_table
      << "[0]), " << flags << ", " << residency << ");\n";
  }
  if (Has(channels, Channel::kRss)) {
    // Pages madvise left open make a range; a fork child's open anon_vmas
    // may add their page-cache pages (Observation::rss_open_kb).
    const uint64_t lo = expected.ranges ? expected.rss_min_kb : totals.rss_kb;
    const uint64_t hi = totals.rss_kb + expected.rss_open_kb;
    if (lo != hi) {
      c << "  check_kb_range(\"smaps Rss (arena)\", " << lo << ", " << hi << ", sum_kb(0));\n";
    } else {
      c << "  check_kb(\"smaps Rss (arena)\", " << totals.rss_kb << ", sum_kb(0));\n";
    }
    if (expected.heap_rss_open_kb != 0) {
      c << "  check_kb_range(\"smaps Rss (heap)\", " << expected.heap_rss_kb << ", "
        << expected.heap_rss_kb + expected.heap_rss_open_kb << ", sum_kb_of(0, 1));\n";
    } else {
      c << "  check_kb(\"smaps Rss (heap)\", " << expected.heap_rss_kb << ", sum_kb_of(0, 1));\n";
    }
  }
  if (Has(channels, Channel::kLocked)) {
    if (expected.ranges) {
      c << "  check_kb_range(\"smaps Locked (arena)\", " << expected.locked_min_kb << ", " << expected.locked_max_kb
        << ", sum_kb(1));\n";
    } else {
      c << "  check_kb(\"smaps Locked (arena)\", " << totals.locked_kb << ", sum_kb(1));\n";
    }
    if (expected.heap_locked_open_kb != 0) {
      c << "  check_kb_range(\"smaps Locked (heap)\", " << expected.heap_locked_kb << ", "
        << expected.heap_locked_kb + expected.heap_locked_open_kb << ", sum_kb_of(1, 1));\n";
    } else {
      c << "  check_kb(\"smaps Locked (heap)\", " << expected.heap_locked_kb << ", sum_kb_of(1, 1));\n";
    }
  }
  if (Has(channels, Channel::kVmLck)) {
    // The model's VmLck adds the executor's own mappings under
    // mlockall(MCL_CURRENT); this program's own locked mappings (MCL_CURRENT,
    // or its heap under MCL_FUTURE) are what smaps shows locked outside the
    // arena, so both sides compare the arena alone. The heap's locked pages
    // are among this program's own too.
    const uint64_t outside_kb =
        model.outside_lock() != Lock::kNone ? config.outside_lockable_pages * config.page_size / 1024 : 0;
    uint64_t heap_locked_kb = 0;
    for (const PageState& page : model.heap()) heap_locked_kb += page.mapped && page.lock != Lock::kNone;
    heap_locked_kb *= config.page_size / 1024;
    c << "  check_kb(\"VmLck (arena)\", " << totals.vmlck_kb - outside_kb - heap_locked_kb
      << ", vmlck_kb - lo_outside_kb);\n";
  }
  if (Has(channels, Channel::kMsyncBusy)) {
    c << "  check_msync(" << table << ", (int)(sizeof " << table << " / sizeof " << table << "[0]));\n";
  }
  if (Has(channels, Channel::kVmLckVsSmaps)) {
    // As the report words it: VmLck expected, the lo VMAs' sizes observed.
    c << "  check_kb(\"lo VMAs in smaps vs VmLck\", vmlck_kb, lo_total_kb);\n";
  }
}

}  // namespace

ReproCheck ReproCheck::AllChannelsAfterLastStep(size_t steps) {
  ReproCheck check;
  check.step = steps == 0 ? 0 : steps - 1;
  for (int c = 0; c < static_cast<int>(Channel::kCount); ++c) check.channels.push_back(static_cast<Channel>(c));
  return check;
}

std::string ReproCheck::Unread() const {
  std::string unread;
  for (const auto* list : {&channels, &fork_child_channels}) {
    for (Channel ch : *list) {
      if (ch == Channel::kPageFlags || ch == Channel::kThp || ch == Channel::kHugetlb || ch == Channel::kNode ||
          ch == Channel::kMoveStatus || ch == Channel::kMeminfo || ch == Channel::kCompaction ||
          ch == Channel::kVmstat) {
        unread += (unread.empty() ? "" : ", ") + std::string(list == &channels ? "" : "the fork child's ") +
                  ChannelName(ch);
      }
    }
  }
  return unread;
}

ReproCheck ReproCheck::ForDivergence(const SequenceResult& result) {
  ReproCheck check;
  check.divergence = true;
  check.step = result.diverging_step;
  for (const ChannelDiff& d : result.diffs) {
    auto& list = d.fork_child ? check.fork_child_channels : check.channels;
    if (std::find(list.begin(), list.end(), d.channel) == list.end()) list.push_back(d.channel);
  }
  return check;
}

std::string WriteReproducer(const std::vector<Op>& ops, const ModelConfig& config, const ReproCheck& check,
                            const std::string& origin) {
  std::ostringstream c;
  const size_t last = std::min(check.step, ops.empty() ? 0 : ops.size() - 1);
  std::string channels;
  for (Channel ch : check.channels) channels += (channels.empty() ? "" : ", ") + std::string(ChannelName(ch));
  for (Channel ch : check.fork_child_channels) {
    channels += (channels.empty() ? "" : ", ") + std::string("the fork child's ") + ChannelName(ch);
  }
  c << "/* mlockcheck reproducer (" << origin << ").\n"
    << " *\n"
    << " * Makes " << (last + 1) << (last == 0 ? " call" : " calls") << " with syscall(2) in an arena at a fixed address, checks each\n"
    << " * result, and after call " << last << " checks: " << (channels.empty() ? "results only" : channels) << ".\n";
  if (!check.why.empty()) c << " * " << check.why << "\n";
  c << " * Expectations: the mlockcheck model, " << config.profile.Describe() << ".\n"
    << " *\n"
    << " *   cc -static -o repro repro.c && ./repro      (with the privileges below)\n"
    << " *\n"
    << " * Exit status: 1 the kernel differs (bug present), 0 it agrees, 2 cannot run.\n"
    << " */\n";
  c << "#define PAGE " << config.page_size << "UL\n"
    << "#define ARENA " << HexString(config.arena_base) << "UL\n"
    << "#define ARENA_PAGES " << config.arena_pages << "UL\n"
    << "#define GUARD_PAGES " << kArenaGuardPages << "UL\n"
    << "#define FILE_INITIAL_PAGES " << kFileInitialPages << "UL\n"
    << "#define HEAP_PAGES " << config.heap_pages << "UL\n";
  const auto has = [&](OpKind kind) {
    return std::any_of(ops.begin(), ops.end(), [&](const Op& op) { return op.kind == kind; });
  };
  c << "#define EXPECT_CAP_IPC_LOCK " << config.cap_ipc_lock << "\n"
    << "#define CHECK_MEMLOCK_LIMIT " << (!config.cap_ipc_lock || has(OpKind::kDropCapIpcLock)) << "\n"
    << "#define EXPECT_MEMLOCK_CUR " << HexString(config.memlock_cur) << "UL\n"
    << "#define EXPECT_MEMLOCK_MAX " << HexString(config.memlock_max) << "UL\n"
    << "#define CHECK_CAP_SYS_RESOURCE " << has(OpKind::kSetMemlockLimit) << "\n"
    << "#define EXPECT_CAP_SYS_RESOURCE " << config.cap_sys_resource << "\n"
    << "#define USES_RECLAIM " << has(OpKind::kReclaim) << "\n"
    << "#define USES_MIGRATION " << (has(OpKind::kMovePages) || has(OpKind::kMigratePages)) << "\n"
    << "#define USES_COMPACTION " << has(OpKind::kCompact) << "\n"
    << "#define USES_MIGRATE_PROCESS " << has(OpKind::kMigratePages) << "\n";
  c << kPrelude << "\n";

  // The program runs with THP off (PR_SET_THP_DISABLE): no PMD mappings to
  // adopt.
  Stepper stepper(config);
  std::ostringstream body;
  for (size_t i = 0; i <= last && i < ops.size(); ++i) {
    const Op& op = ops[i];
    const Outcome outcome = stepper.Step(op);
    const OpSyntax* syntax = OpSyntaxOf(op.kind);
    if (syntax == nullptr) {
      body << "  /* step " << i << ": " << OpKindName(op.kind) << " has no C form */\n";
      continue;
    }
    const bool check_child = op.kind == OpKind::kFork && i == last && !check.fork_child_channels.empty();
    const std::string callee = check_child ? "fork_and_check" : syntax->c_callee;
    const std::string call = syntax->is_syscall ? "sys_result(syscall(" + callee + ", " + CArgs(op, *syntax) + "))"
                                                : callee + "(" + CArgs(op, *syntax) + ")";
    // A call without arguments: drop the trailing ", ".
    std::string fixed = call;
    const std::string empty_args = ", ))";
    if (const size_t at = fixed.find(empty_args); at != std::string::npos) fixed.replace(at, empty_args.size(), "))");
    body << "  step_done(" << i << ", " << CString(FormatCall(op, false)) << ", " << fixed << ",\n            "
         << COutcome(outcome, op, config) << ", " << (ReturnsAddress(op.kind)) << ");\n";
  }
  const Model& model = stepper.model();
  const Observation& expected = stepper.expected();
  const PageWindow window = WindowOf(ops, config.page_size, config.arena_pages);

  c << "static const struct run expected_pages[] __attribute__((unused)) = {\n" << ExpectedRuns(expected) << "};\n"
    << "static const struct run expected_pages_heap[] __attribute__((unused)) = {\n" << ExpectedHeapRuns(expected)
    << "};\n\n";
  // A fork child's divergence is checked in the child itself (the prelude's
  // fork_and_check()), against the child's own expectations.
  c << "static void check_child(void) {\n";
  if (!check.fork_child_channels.empty() && model.fork_child() != nullptr) {
    Observation child;
    PredictForkChild(*model.fork_child(), model.fork_probe(), &child);
    Op probe = ops[last];
    probe.kind = OpKind::kMmap;
    c << "  static const struct run expected_child_pages[] __attribute__((unused)) = {\n" << ExpectedRuns(child)
      << "  };\n"
      << "  static const struct run expected_child_pages_heap[] __attribute__((unused)) = {\n"
      << ExpectedHeapRuns(child) << "  };\n"
      << "  printf(\"fork child, its own view after its mmap:\\n\");\n"
      << "  step_done(" << last << ", \"fork child: mmap of its probe\", child_probe, "
      << COutcome(model.fork_probe(), probe, config) << ", 1);\n";
    EmitChecks(c, *model.fork_child(), child, check.fork_child_channels, "expected_child_pages");
  }
  c << "}\n\n";
  c << "int main(void) {\n"
    << "  prepare();\n"
    << "  printf(\"arena A = 0x%lx; calls (>> where the result differs):\\n\", ARENA);\n"
    << body.str()
    << "  observe();\n"
    << "  printf(\"after step " << last << ":\\n\");\n";
  if (window.end > window.first) {
    c << "  printf(\"  page map of pages " << window.first << "-" << window.end - 1
      << " ('.' unmapped, m mapped, l lo, f lo lf; upper case resident)\\n\");\n"
      << "  printf(\"    expected  " << PageMap(expected, window.first, window.end) << "\\n    observed  \");\n"
      << "  for (unsigned long p = " << window.first << "; p < " << window.end << "; p++) putchar(page_char(p));\n"
      << "  printf(\"\\n\");\n";
  }
  EmitChecks(c, model, expected, check.channels, "expected_pages");
  if (const std::string unread = check.Unread(); check.divergence && !unread.empty()) {
    // A divergence in what this program cannot read: without another
    // difference it cannot confirm the bug, and says so rather than "no bug".
    c << "  if (!bug_present) {\n"
      << "    printf(\"cannot check: what diverged (" << unread
      << ") is not read by this reproducer; use ./mlockcheck replay\\n\");\n"
      << "    return 2;\n"
      << "  }\n";
  }
  c << "  if (bug_present) {\n"
    << "    printf(\"BUG PRESENT: the kernel differs from the model\\n\");\n"
    << "    return 1;\n"
    << "  }\n"
    << "  printf(\"no bug: the kernel agrees with the model\\n\");\n"
    << "  return 0;\n"
    << "}\n";
  return c.str();
}

std::string RefusedByExecutor(const std::vector<Op>& ops, const ModelConfig& config) {
  const ArenaBounds arena{config.arena_base, config.arena_pages * config.page_size, config.page_size,
                          config.huge_page_pages * config.page_size};
  const std::vector<wire::WireOp> wire = ToWire(ops, config.arena_base);
  for (size_t i = 0; i < wire.size(); ++i) {
    if (!MayExecute(wire[i], arena)) {
      return "step " + std::to_string(i) + ": " + FormatCall(ops[i], false) +
             ": it could touch memory outside the arena, which the executor refuses (replay reports a harness "
             "error)";
    }
  }
  return "";
}

ModelConfig HostModelConfig(std::string* why) {
  ModelConfig config;
  why->clear();
  const ExecutorOptions defaults;
  config.arena_base = defaults.arena_base;
  config.arena_pages = defaults.arena_pages;
  const auto profile = ProfileForRelease(KernelRelease(), why, KernelBuild());
  if (!profile) {
    if (why->empty()) *why = "kernel " + KernelRelease() + " is not modelled";
    return config;
  }
  why->clear();
  config.profile = *profile;
  // The same measurements as a run's (MakeModelConfig()); a failed one
  // keeps the prediction.
  const MeasuredBehaviour predicted = PredictMeasured(config.profile, ReadHostFacts());
  config.measured = MeasureBehaviour(predicted, why).value_or(predicted);
  why->clear();
  const HostPrivileges privileges = ReadHostPrivileges();
  config.cap_ipc_lock = privileges.cap_ipc_lock;
  config.cap_sys_resource = privileges.cap_sys_resource;
  config.memlock_cur = privileges.memlock_cur;
  config.memlock_max = privileges.memlock_max;
  const SwapState swap = ReadSwapState();
  config.swap_active = swap.active;
  config.config_swap = swap.config_swap;
  const HugetlbState huge = ReadHugetlbState();
  SetHugetlbConfig(huge.page_size, huge.free, huge.reserved, huge.overcommit, &config);
  return config;
}

}  // namespace mlc
