/// @file scalefit.hpp
/// Umbrella header: everything a user of scalefit needs.
#pragma once

#include "scalefit/data.hpp"
#include "scalefit/datasets.hpp"
#include "scalefit/error.hpp"
#include "scalefit/fit.hpp"
#include "scalefit/law.hpp"
#include "scalefit/laws/builtin.hpp"
#include "scalefit/log.hpp"
#include "scalefit/objective.hpp"
#include "scalefit/report.hpp"
#include "scalefit/version.hpp"
