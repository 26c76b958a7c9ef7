// Training planner: the compute-optimal plan — parameters N, tokens D,
// tokens per parameter D/N and predicted loss — for every FLOP budget given
// on the command line, from a fit card, from a CSV of training runs, or
// from the Chinchilla runs embedded in the library (240 runs of Hoffmann et
// al. 2022 digitised by Epoch AI, Besiroglu et al. 2024).
//
//   training_planner 1e21 5.76e23 1e25               (embedded runs)
//   training_planner fit.json 1e24 1e25              (a fit card: scalefit fit
//   --out) training_planner runs.csv 1e24                   (fits --law,
//   default chinchilla) training_planner --law chinchilla --delim ';' runs.csv
//   1e24 training_planner --k 8 1e24                      (C = 8·N·D instead of
//   6·N·D) training_planner --ratio 20 1e24                 (also the plan at
//   D/N = 20)
//
// A source ending in .json is read as a fit card; anything else as a CSV of
// runs with a header naming the law's inputs (N, D) and `loss` (errors name
// the line and column). Budgets are FLOPs (C = k·N·D). Exit status: 0 ok, 1
// the fit did not converge (plans are still printed), 2 bad arguments or a
// scalefit error.
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "scalefit/scalefit.hpp"

namespace {

void Usage(const char* argv0) {
  std::cerr
      << "usage: " << argv0
      << " [--k K] [--ratio R] [--law LAW] [--delim C] [CARD.json | RUNS.csv]"
         " BUDGET_FLOPS [BUDGET_FLOPS ...]\n"
         "  e.g. "
      << argv0 << " fit.json 1e21 5.76e23 1e25\n";
}

bool ParseNumber(const std::string& s, double* out) {
  char* end = nullptr;
  *out = std::strtod(s.c_str(), &end);
  return !s.empty() && end != nullptr && *end == '\0';
}

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

void PrintTable(const scalefit::AllocationTable& t) {
  std::printf("%-14s %-14s %-14s %-10s %-10s\n", "C [FLOPs]", "N [params]",
              "D [tokens]", "D/N", "loss");
  for (int i = 0; i < t.num_rows(); ++i) {
    const scalefit::Allocation a = t.row(i);
    std::printf("%-14.6g %-14.6g %-14.6g %-10.6g %-10.6g\n", a.C, a.N_opt,
                a.D_opt, a.tokens_per_param, a.loss_opt);
  }
}

// The fit the plan comes from: a card, a CSV of runs fitted with `law`, or
// the embedded runs.
scalefit::FitResult Source(const std::string& source, const std::string& law,
                           char delimiter) {
  if (source.empty()) {
    std::cout
        << "source: the embedded Chinchilla runs (Besiroglu et al. 2024)\n";
    return scalefit::Fit(law, scalefit::datasets::ChinchillaObservations());
  }
  if (EndsWith(source, ".json")) {
    std::cout << "source: fit card " << source << "\n";
    return scalefit::LoadFitCard(source);
  }
  scalefit::CsvOptions o;
  o.delimiter = delimiter;
  const scalefit::CsvTable table = scalefit::ReadCsv(source, o);
  const scalefit::LawPtr model = scalefit::GetLaw(law);
  const scalefit::Observations runs =
      scalefit::ObservationsFromCsv(table, model->info().input_names);
  std::cout << "source: " << table.num_rows() << " runs from " << source
            << ", law " << law << "\n";
  return scalefit::Fit(model, runs);
}

}  // namespace

int main(int argc, char** argv) {
  double k = 6.0;
  double ratio = 0.0;
  std::string law = "chinchilla", source;
  char delimiter = ',';
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
    } else if (arg == "--law" && i + 1 < argc) {
      law = argv[++i];
    } else if (arg == "--delim" && i + 1 < argc) {
      const std::string d = argv[++i];
      delimiter =
          d == "tab" || d == "\\t" ? '\t' : (d.size() == 1 ? d[0] : '\0');
      if (delimiter == '\0') {
        std::cerr << "--delim takes one character (or 'tab'), got '" << d
                  << "'\n";
        return 2;
      }
    } else if (arg == "-h" || arg == "--help") {
      Usage(argv[0]);
      return 0;
    } else if (ParseNumber(arg, &v)) {
      budgets.push_back(v);
    } else if (source.empty() && budgets.empty() && !arg.empty() &&
               arg[0] != '-') {
      source = arg;
    } else {
      std::cerr << "argument " << i << " ('" << arg << "') is not a FLOP budget"
                << (source.empty() ? "" : " (the source is '" + source + "')")
                << "\n";
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
    const scalefit::FitResult fit = Source(source, law, delimiter);
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
