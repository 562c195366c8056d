#include "suite/lib/stepper.h"

namespace mlc {

const Outcome& Stepper::Step(const Op& op, const std::vector<ThpState>* thp) {
  effects_ = StepEffects{};
  predicted_ = model_.Apply(op, &effects_);
  // --thp: which ranges the kernel PMD-mapped is an input, not a prediction.
  if (model_.config().thp && thp != nullptr) model_.AdoptThp(*thp, &effects_);
  expected_valid_ = false;
  return predicted_;
}

const Observation& Stepper::expected() {
  if (!expected_valid_) {
    Predict(model_, predicted_, &expected_);
    expected_valid_ = true;
  }
  return expected_;
}

std::vector<ChannelDiff> Stepper::Check(const Op& op, const Observation& observed) {
  Step(op, &observed.thp);
  // move_pages, migrate_pages: which pages moved is the kernel's answer,
  // adopted as --thp's PMD mappings are; what follows from it is checked.
  if (op.kind == OpKind::kMovePages || op.kind == OpKind::kMigratePages) {
    model_.AdoptMigration(observed.outcome, observed.move_status);
  }
  return Compare(expected(), observed, op, model_.config());
}

}  // namespace mlc
