/// @file scalefit.hpp
/// Umbrella header: everything a user of scalefit needs.
#pragma once

#include "scalefit/allocation.hpp"
#include "scalefit/approaches.hpp"
#include "scalefit/backtest.hpp"
#include "scalefit/data.hpp"
#include "scalefit/datasets.hpp"
#include "scalefit/diagnostics.hpp"
#include "scalefit/error.hpp"
#include "scalefit/fit.hpp"
#include "scalefit/fit_card.hpp"
#include "scalefit/flops.hpp"
#include "scalefit/formula.hpp"
#include "scalefit/law.hpp"
#include "scalefit/laws/builtin.hpp"
#include "scalefit/log.hpp"
#include "scalefit/objective.hpp"
#include "scalefit/report.hpp"
#include "scalefit/runtime_law.hpp"
#include "scalefit/version.hpp"
