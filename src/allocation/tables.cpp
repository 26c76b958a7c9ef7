// The allocation tables and plans as values: columns, rows and reports.
#include <algorithm>
#include <cmath>
#include <sstream>
#include <string>
#include <vector>

#include "allocation/allocation_internal.hpp"
#include "scalefit/detail/text_table.hpp"
#include "scalefit/error.hpp"
#include "scalefit/report.hpp"

namespace scalefit {

namespace detail {

std::string RowText(size_t i) {
  return " at row " + std::to_string(i) + " (0-based)";
}

AllocationTable NewTable(const char* kind, const LawSlice& s,
                         const FitResult& r, const FlopModel& flops,
                         bool closed) {
  AllocationTable t;
  t.kind = kind;
  t.law = s.law_name();
  t.flop_convention = flops.name();
  t.flop_description = flops.description();
  t.method = closed ? "closed_form" : "numeric";
  t.fitted = r.fitted;
  t.has_data = r.has_data;
  return t;
}

void Append(AllocationTable* t, const Allocation& a) {
  t->C.mean.push_back(a.C);
  t->N_opt.mean.push_back(a.N_opt);
  t->D_opt.mean.push_back(a.D_opt);
  t->tokens_per_param.mean.push_back(a.tokens_per_param);
  t->loss_opt.mean.push_back(a.loss_opt);
}

}  // namespace detail

std::vector<std::string> AllocationTable::ColumnNames() {
  return {"C", "N_opt", "D_opt", "tokens_per_param", "loss_opt"};
}

const AllocationColumn& AllocationTable::column(const std::string& name) const {
  if (name == "C") return C;
  if (name == "N_opt") return N_opt;
  if (name == "D_opt") return D_opt;
  if (name == "tokens_per_param") return tokens_per_param;
  if (name == "loss_opt") return loss_opt;
  throw UnknownName("unknown allocation column '" + name +
                    "'; columns: C, N_opt, D_opt, tokens_per_param, loss_opt");
}

AllocationColumn& AllocationTable::column(const std::string& name) {
  return const_cast<AllocationColumn&>(
      static_cast<const AllocationTable*>(this)->column(name));
}

Allocation AllocationTable::row(int i) const {
  if (i < 0 || i >= num_rows()) {
    throw InvalidArgument("row " + std::to_string(i) + " out of range [0, " +
                          std::to_string(num_rows()) + ")");
  }
  Allocation a;
  a.C = C.mean[i];
  a.N_opt = N_opt.mean[i];
  a.D_opt = D_opt.mean[i];
  a.tokens_per_param = tokens_per_param.mean[i];
  a.loss_opt = loss_opt.mean[i];
  a.flop_convention = flop_convention;
  a.method = method;
  if (static_cast<size_t>(i) < decades_beyond_data.size())
    a.decades_beyond_data = decades_beyond_data[i];
  return a;
}

std::string AllocationTable::BriefReport() const {
  std::ostringstream os;
  os << "AllocationTable(" << kind << ", law " << law << ", " << num_rows()
     << (num_rows() == 1 ? " row" : " rows");
  if (num_rows() > 0) {
    const auto [lo, hi] = std::minmax_element(C.mean.begin(), C.mean.end());
    os << ", C " << FormatShort(*lo, 3);
    if (*hi != *lo) os << ".." << FormatShort(*hi, 3);
  }
  os << ", FLOPs " << flop_convention;
  if (N_opt.has_interval())
    os << ", " << FormatShort(100 * level, 3) << "% intervals";
  os << ")";
  return os.str();
}

std::string AllocationTable::FullReport() const {
  std::ostringstream os;
  os << "Allocation (" << kind << ") for law " << law
     << (fitted ? " (fitted to data)"
                : " (given parameters: no data, no uncertainty)")
     << "\n";
  os << "FLOP convention: " << flop_convention << " (" << flop_description
     << ")\n";
  os << "method: " << method << "\n";
  if (!warning.empty()) os << warning;
  if (std::isfinite(tokens_per_param_fixed)) {
    os << "fixed tokens per parameter: " << FormatFull(tokens_per_param_fixed)
       << "\n";
  }
  const bool iv = N_opt.has_interval() || C.has_interval();
  if (iv) {
    os << "intervals: " << FormatShort(100.0 * level, 6) << "% ("
       << interval_method << "), shown as value [lower, upper]\n";
  } else {
    os << "intervals: none\n";
  }
  os << "units: C in FLOPs, N in parameters, D in tokens (plain counts); 6 "
        "significant digits (full precision: to_dict, --json)\n";
  if (std::isfinite(compute_max))
    os << "decades_beyond_data: decades of compute beyond the largest fitted "
          "run ("
       << FormatShort(compute_max, 6) << " FLOPs)\n";
  std::vector<std::string> names = ColumnNames();
  const bool has_target = !target_loss.empty();
  const bool has_decades =
      decades_beyond_data.size() == static_cast<size_t>(num_rows());
  std::vector<std::vector<std::string>> rows;
  rows.push_back({});
  if (has_target) rows[0].push_back("target_loss");
  for (const auto& n : names) rows[0].push_back(n);
  if (has_decades) rows[0].push_back("decades_beyond_data");
  for (int i = 0; i < num_rows(); ++i) {
    std::vector<std::string> row;
    if (has_target) row.push_back(FormatShort(target_loss[i], 6));
    for (const auto& n : names) {
      const AllocationColumn& c = column(n);
      std::string cell = FormatShort(c.mean[i], 6);
      if (c.has_interval())
        cell += " [" + FormatShort(c.lower[i], 6) + ", " +
                FormatShort(c.upper[i], 6) + "]";
      row.push_back(cell);
    }
    if (has_decades) row.push_back(FormatShort(decades_beyond_data[i], 6));
    rows.push_back(row);
  }
  os << detail::TextColumns(rows, "");
  return os.str();
}

std::string InferenceAwarePlan::Report() const {
  std::ostringstream os;
  os << "Inference-aware plan (Sardana & Frankle 2023)\n"
     << "FLOP convention: " << flop_convention << "\n"
     << "target loss: " << FormatShort(target_loss, 6) << "\n"
     << "inference tokens: " << FormatShort(inference_tokens, 6) << "\n"
     << "N: " << FormatShort(N_opt, 6) << "\nD: " << FormatShort(D_opt, 6)
     << "\ntokens per parameter: " << FormatShort(tokens_per_param, 6)
     << "\ntraining FLOPs: " << FormatShort(training_flops, 6)
     << "\ninference FLOPs: " << FormatShort(inference_flops, 6)
     << "\ntotal FLOPs: " << FormatShort(total_flops, 6)
     << "\ncompute-optimal plan for the same loss: N "
     << FormatShort(chinchilla_N, 6) << ", D " << FormatShort(chinchilla_D, 6)
     << ", total FLOPs " << FormatShort(chinchilla_total_flops, 6) << "\n";
  return os.str();
}

}  // namespace scalefit
