// The one step loop: apply a call to the model, adopt the kernel's PMD
// mappings under --thp (Model::AdoptThp), predict every channel, compare with
// what the kernel showed. The run, the report renderer, replay and the C
// reproducer all step the model through this class, so none of them can
// forget a part of the step.
#pragma once

#include <vector>

#include "oracles/model.h"
#include "oracles/observation.h"

namespace mlc {

class Stepper {
 public:
  explicit Stepper(const ModelConfig& config) : model_(config) {}

  // One step without an observation (a report or a reproducer replaying the
  // model): applies `op` and, under --thp, adopts `thp`, what the kernel
  // reported PMD-mapped after it (nullptr: nothing recorded, e.g. a step
  // after the divergence).
  const Outcome& Step(const Op& op, const std::vector<ThpState>* thp = nullptr);
  // One step against the kernel: Step() adopting observed.thp (and a
  // move_pages() step's status[], Model::AdoptMigration()), then every
  // channel compared; empty when kernel and model agree.
  std::vector<ChannelDiff> Check(const Op& op, const Observation& observed);

  const Model& model() const { return model_; }
  const Outcome& predicted() const { return predicted_; }  // the last step's outcome
  const StepEffects& effects() const { return effects_; }   // ... and its events
  // Every channel as the model predicts it after the last step.
  const Observation& expected();

 private:
  Model model_;
  Outcome predicted_;
  StepEffects effects_;
  Observation expected_;
  bool expected_valid_ = false;
};

}  // namespace mlc
