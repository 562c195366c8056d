#include "suite/lib/sequence_gen.h"

#include <rapidcheck/state.h>

#include <algorithm>
#include <memory>

#include "oracles/sequence_text.h"

namespace mlc {
namespace {

struct NoSut {};  // sequences run in one batch per child, not call by call

// One generated call. Commands are immutable and shareable (RapidCheck
// doc/state.md); show() prints the call as the kernel sees it.
struct OpCommand : rc::state::Command<Model, NoSut> {
  explicit OpCommand(const Op& o) : op(o) {}
  // Shrinking drops calls the model does not cover once the calls before
  // them changed (e.g. a madvise whose hugetlb mapping is still there
  // because the munmap before it was removed): UnmodelledReason().
  void checkPreconditions(const Model& model) const override { RC_PRE(UnmodelledReason(model, op) == nullptr); }
  void apply(Model& model) const override { model.Apply(op); }
  void show(std::ostream& os) const override { ShowOp(op, os); }
  Op op;
};
using CommandPtr = std::shared_ptr<const rc::state::Command<Model, NoSut>>;

}  // namespace

// RapidCheck's counterexample: the calls as a sequence file has them, so
// the block pastes into a file that `./mlockcheck replay` runs.
void showValue(const Sequence& sequence, std::ostream& os) {
  for (const std::string& call : FormatCalls(sequence.ops)) os << "\n  " << call;
}

rc::Gen<Sequence> GenSequence(const Model& initial, const GenOptions& options) {
  auto commands = rc::state::gen::commands(initial, [options](const Model& model) {
    return rc::gen::map(GenOp(model, options),
                        [](const Op& op) -> CommandPtr { return std::make_shared<const OpCommand>(op); });
  });
  // Up to twice RapidCheck's size, capped at the longest sequence
  // (GenOptions::max_length).
  const int max_length = std::max(options.max_length, 0);
  auto scaled = rc::gen::withSize([commands, max_length](int size) {
    return rc::gen::resize(std::min(max_length, 2 * size), commands);
  });
  return rc::gen::map(std::move(scaled), [](const auto& cmds) {
    std::vector<Op> ops;
    ops.reserve(cmds.size());
    for (const auto& command : cmds) ops.push_back(static_cast<const OpCommand&>(*command).op);
    return Sequence{ResolveRegions(ops)};
  });
}

}  // namespace mlc
