#pragma once

#include "swinpp/dist/zero_state.h"
#include "swinpp/optim/optimizer.h"

namespace swinpp::train {

/// The AdamW moments of `optimizer` in the world-size-independent form that
/// ZeroAdamW shards: one tensor pair per parameter, in optimizer order (a
/// parameter that has not been updated yet gets zeros), and the largest step
/// count of any parameter. Throws swinpp::Error when the optimizer is not AdamW.
dist::ZeroState adamw_state_of(optim::Optimizer& optimizer);

/// Sets the AdamW moments and step count of every parameter of `optimizer`
/// from `state` (for example one consolidated from ZeRO shards). Throws
/// swinpp::Error when the optimizer is not AdamW or the state's parameter
/// count or shapes differ from the optimizer's.
void load_adamw_state(optim::Optimizer& optimizer, const dist::ZeroState& state);

}  // namespace swinpp::train
