// Training planner: fits the Chinchilla law to the embedded Epoch AI data
// (240 runs, Besiroglu et al. 2024) and prints the compute-optimal plan —
// parameters N, tokens D, tokens per parameter D/N and predicted loss — for
// every FLOP budget given on the command line.
//
//   training_planner 1e21 5.76e23 1e25
//   training_planner --k 8 1e24           (C = 8·N·D instead of 6·N·D)
//   training_planner --ratio 20 1e24      (also the plan at D/N = 20)
//
// Budgets are FLOPs (C = k·N·D). Exit status: 0 ok, 1 the fit did not
// converge (plans are still printed), 2 bad arguments or scalefit error.
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "scalefit/scalefit.hpp"

namespace {

void Usage(const char* argv0) {
  std::cerr << "usage: " << argv0
            << " [--k K] [--ratio R] BUDGET_FLOPS [BUDGET_FLOPS ...]\n"
               "  e.g. "
            << argv0 << " 1e21 5.76e23 1e25\n";
}

bool ParseNumber(const std::string& s, double* out) {
  char* end = nullptr;
  *out = std::strtod(s.c_str(), &end);
  return !s.empty() && end != nullptr && *end == '\0';
}

void PrintTable(const scalefit::AllocationTable& t) {
  std::printf("%-14s %-14s %-14s %-10s %-10s\n", "C [FLOPs]", "N [params]",
              "D [tokens]", "D/N", "loss");
  for (int i = 0; i < t.num_rows(); ++i) {
    const scalefit::Allocation a = t.row(i);
    std::printf("%-14.4e %-14.4e %-14.4e %-10.4g %-10.6f\n", a.C, a.N_opt,
                a.D_opt, a.tokens_per_param, a.loss_opt);
  }
}

}  // namespace

int main(int argc, char** argv) {
  double k = 6.0;
  double ratio = 0.0;
  std::vector<double> budgets;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    double v = 0.0;
    if ((arg == "--k" || arg == "--ratio") && i + 1 < argc) {
      if (!ParseNumber(argv[++i], &v)) {
        std::cerr << "bad number for " << arg << ": '" << argv[i] << "'\n";
        return 2;
      }
      (arg == "--k" ? k : ratio) = v;
    } else if (arg == "-h" || arg == "--help") {
      Usage(argv[0]);
      return 0;
    } else if (ParseNumber(arg, &v)) {
      budgets.push_back(v);
    } else {
      std::cerr << "argument " << i << " ('" << arg
                << "') is not a FLOP budget\n";
      Usage(argv[0]);
      return 2;
    }
  }
  if (budgets.empty()) {
    Usage(argv[0]);
    return 2;
  }
  try {
    const scalefit::FlopModel flops = scalefit::FlopModel::SixND(k);
    const scalefit::FitResult fit = scalefit::Fit(
        "chinchilla", scalefit::datasets::ChinchillaObservations());
    std::cout << fit.BriefReport() << "\n";
    if (!fit.converged) {
      std::cerr << "warning: the fit did not converge: " << fit.message << "\n";
    }
    const scalefit::AllocationTable plan =
        scalefit::ComputeOptimal(fit, budgets, flops);
    std::cout << "Compute-optimal plan (FLOP convention "
              << plan.flop_convention << ": " << plan.flop_description << "; "
              << plan.method << "):\n";
    PrintTable(plan);
    if (ratio > 0.0) {
      const scalefit::AllocationTable fixed =
          scalefit::PlanAtRatio(fit, budgets, ratio, flops);
      std::cout << "\nPlan at D/N = " << scalefit::FormatShort(ratio)
                << " (same FLOP convention):\n";
      PrintTable(fixed);
    }
    std::cout << "\nFull-precision values:\n" << plan.FullReport();
    return fit.converged ? 0 : 1;
  } catch (const scalefit::Error& e) {
    std::cerr << "scalefit: " << e.what() << "\n";
    return 2;
  }
}
