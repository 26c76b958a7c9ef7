/// @file downstream.hpp
/// Downstream tasks from model ladders (umbrella header):
///   downstream/ladder.hpp   evaluation exports → the tidy ladder table;
///                           skip, smooth, final checkpoints; OlmoLadder()
///   downstream/chain.hpp    chained forecasts (N, D) → task loss → metric
///                           with intervals through both steps; cards
/// The link laws are in laws/sigmoid.hpp; the emergence classification in
/// emergence.hpp.
#pragma once

#include "scalefit/downstream/chain.hpp"
#include "scalefit/downstream/ladder.hpp"
#include "scalefit/emergence.hpp"
