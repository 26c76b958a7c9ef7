/// @file uncertainty.hpp
/// Uncertainty of a fitted law (umbrella header): the parameter covariance
/// at the optimum, the bootstrap, and intervals on parameters, derived
/// quantities (the Chinchilla frontier), predictions and allocations. Full
/// discussion and validation figures: docs/uncertainty.md.
///
///   uncertainty/statistics.hpp            NormalQuantile, CheckLevel, Quantile
///   uncertainty/covariance.hpp            Covariance, ComputeCovariance
///   uncertainty/intervals.hpp             IntervalTable, ConfInt,
///                                         PredictionTable, PredictInterval
///   uncertainty/allocation_intervals.hpp  ComputeOptimalInterval,
///                                         LossToComputeInterval
///   uncertainty/bootstrap.hpp             BootstrapOptions, BootstrapResult,
///                                         Bootstrap
///
/// `level` means the same thing everywhere: the coverage of a CENTRAL,
/// TWO-SIDED interval (intervals.hpp states both methods, delta and
/// bootstrap percentile).
#pragma once

#include "scalefit/uncertainty/allocation_intervals.hpp"
#include "scalefit/uncertainty/bootstrap.hpp"
#include "scalefit/uncertainty/covariance.hpp"
#include "scalefit/uncertainty/intervals.hpp"
#include "scalefit/uncertainty/profile.hpp"
#include "scalefit/uncertainty/statistics.hpp"
