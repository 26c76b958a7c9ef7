/// @file scalefit.hpp
/// Umbrella header: everything a user of scalefit needs (link
/// scalefit::scalefit). The header-only core alone is laws.hpp (link
/// scalefit::laws); the Ceres glue for a user's own law functor is
/// ceres/make_law.hpp, included only where a law is instantiated.
#pragma once

#include "scalefit/allocation.hpp"
#include "scalefit/approaches.hpp"
#include "scalefit/backtest.hpp"
#include "scalefit/csv.hpp"
#include "scalefit/data.hpp"
#include "scalefit/datasets.hpp"
#include "scalefit/diagnostics.hpp"
#include "scalefit/downstream.hpp"
#include "scalefit/emergence.hpp"
#include "scalefit/error.hpp"
#include "scalefit/fit.hpp"
#include "scalefit/fit_card.hpp"
#include "scalefit/flops.hpp"
#include "scalefit/formula.hpp"
#include "scalefit/instruction_set.hpp"
#include "scalefit/kaplan_frontier.hpp"
#include "scalefit/law.hpp"
#include "scalefit/laws.hpp"
#include "scalefit/log.hpp"
#include "scalefit/objective.hpp"
#include "scalefit/report.hpp"
#include "scalefit/run_control.hpp"
#include "scalefit/runtime_law.hpp"
#include "scalefit/uncertainty.hpp"
#include "scalefit/version.hpp"
