#include "swinpp/train/adamw_state.h"

#include <torch/torch.h>

#include <algorithm>

#include "swinpp/util/error.h"

namespace swinpp::train {
namespace {

optim::FusedAdamW& as_adamw(optim::Optimizer& optimizer) {
  optim::FusedAdamW* adamw = optimizer.adamw();
  if (adamw == nullptr) throw Error("optimizer state: expected an AdamW optimizer, found SGD");
  return *adamw;
}

}  // namespace

dist::ZeroState adamw_state_of(optim::Optimizer& optimizer) {
  const optim::FusedAdamW& adamw = as_adamw(optimizer);
  dist::ZeroState out;
  for (size_t p = 0; p < adamw.parameters().size(); ++p) {
    out.step = std::max<int64_t>(out.step, adamw.step_count(p));
    out.exp_avg.push_back(adamw.exp_avg(p).detach().cpu().clone());
    out.exp_avg_sq.push_back(adamw.exp_avg_sq(p).detach().cpu().clone());
  }
  return out;
}

void load_adamw_state(optim::Optimizer& optimizer, const dist::ZeroState& state) {
  as_adamw(optimizer).load_state(state.step, state.exp_avg, state.exp_avg_sq);
}

}  // namespace swinpp::train
