// Precompiled header of every swinpp target: the heavy LibTorch includes.
#pragma once
#include <torch/torch.h>
