// Bindings for allocation.hpp: FLOP models, compute-optimal tables, the
// inverse, fixed-ratio and inference-aware plans, the Chinchilla closed form.
#include <cmath>
#include <vector>

#include "common.hpp"
#include "scalefit/allocation.hpp"

namespace scalefit::py {

namespace {

AllocationOptions Options(const std::string& method, const pyb::object& other) {
  AllocationOptions o;
  o.method = method;
  if (!other.is_none())
    o.other_inputs = other.cast<std::map<std::string, double>>();
  return o;
}

pyb::object OptionalArray(const std::vector<double>& v) {
  if (v.empty()) return pyb::none();
  return ToArray(v);
}

}  // namespace

void RegisterAllocation(pyb::module_& m) {
  pyb::class_<FlopModel>(m, "FlopModel")
      .def_static("six_nd", &FlopModel::SixND, pyb::arg("k") = 6.0)
      .def_static(
          "from_convention",
          [](const std::string& convention,
             const std::optional<flops::Architecture>& arch) {
            return FlopModel::FromConvention(convention,
                                             arch ? &*arch : nullptr);
          },
          pyb::arg("convention"), pyb::arg("architecture") = pyb::none())
      .def_static("of_fit", &FlopModel::OfFit)
      .def_property_readonly("is_of_fit", &FlopModel::is_of_fit)
      .def_property_readonly("name", &FlopModel::name)
      .def_property_readonly("description", &FlopModel::description)
      .def_property_readonly("k", &FlopModel::k)
      .def("flops", &FlopModel::Flops, pyb::arg("N"), pyb::arg("D"))
      .def(
          "tokens",
          [](const FlopModel& f, const std::vector<double>& N, double C) {
            // The tokens D with C(N, D) = C at each N (an isoFLOP line);
            // NaN where no D gives C.
            std::vector<double> D(N.size());
            for (size_t i = 0; i < N.size(); ++i)
              D[i] = std::exp(f.LogTokens(std::log(N[i]), std::log(C)));
            return ToArray(D);
          },
          pyb::arg("N"), pyb::arg("C"),
          "Tokens D with FLOPs(N, D) = C at each N (NaN where none).")
      .def(
          "flops_at",
          [](const FlopModel& f,
             const pyb::array_t<double, pyb::array::forcecast>& N,
             const pyb::array_t<double, pyb::array::forcecast>& D) {
            const std::vector<double> n = ToVector(N, "N"),
                                      d = ToVector(D, "D");
            if (n.size() != d.size())
              throw InvalidArgument("N and D have different lengths");
            std::vector<double> c(n.size());
            for (size_t i = 0; i < n.size(); ++i) c[i] = f.Flops(n[i], d[i]);
            return ToArray(c);
          },
          pyb::arg("N"), pyb::arg("D"), "C(N, D) per row.")
      .def("__repr__", [](const FlopModel& f) {
        return "FlopModel(" + f.name() + ": " + f.description() + ")";
      });

  pyb::class_<Allocation>(m, "Allocation")
      .def_readonly("C", &Allocation::C)
      .def_readonly("N_opt", &Allocation::N_opt)
      .def_readonly("D_opt", &Allocation::D_opt)
      .def_readonly("tokens_per_param", &Allocation::tokens_per_param)
      .def_readonly("loss_opt", &Allocation::loss_opt)
      .def_readonly("flop_convention", &Allocation::flop_convention)
      .def_readonly("method", &Allocation::method)
      .def_readonly("decades_beyond_data", &Allocation::decades_beyond_data)
      .def_readonly("warning", &Allocation::warning)
      .def(PickleFields<Allocation>(
          &Allocation::C, &Allocation::N_opt, &Allocation::D_opt,
          &Allocation::tokens_per_param, &Allocation::loss_opt,
          &Allocation::flop_convention, &Allocation::method,
          &Allocation::decades_beyond_data, &Allocation::warning));

  // Columns expose numpy copies; the uncertainty module fills lower/upper
  // through set_interval.
  pyb::class_<AllocationColumn>(m, "AllocationColumn")
      .def_property_readonly(
          "mean", [](const AllocationColumn& c) { return ToArray(c.mean); })
      .def_property_readonly(
          "lower",
          [](const AllocationColumn& c) { return OptionalArray(c.lower); })
      .def_property_readonly(
          "upper",
          [](const AllocationColumn& c) { return OptionalArray(c.upper); })
      .def_property_readonly(
          "std_errors",
          [](const AllocationColumn& c) { return OptionalArray(c.std_errors); })
      .def_property_readonly("has_interval", &AllocationColumn::has_interval)
      .def(PickleFields<AllocationColumn>(
          &AllocationColumn::mean, &AllocationColumn::lower,
          &AllocationColumn::upper, &AllocationColumn::std_errors));

  pyb::class_<AllocationTable>(m, "AllocationTable")
      .def_readonly("kind", &AllocationTable::kind)
      .def_readonly("law", &AllocationTable::law)
      .def_readonly("flop_convention", &AllocationTable::flop_convention)
      .def_readonly("flop_description", &AllocationTable::flop_description)
      .def_readonly("method", &AllocationTable::method)
      .def_readonly("warning", &AllocationTable::warning)
      .def_readonly("has_data", &AllocationTable::has_data)
      .def_readonly("fitted", &AllocationTable::fitted)
      .def_readonly("compute_max", &AllocationTable::compute_max)
      .def_property_readonly("decades_beyond_data",
                             [](const AllocationTable& t) {
                               return ToArray(t.decades_beyond_data);
                             })
      .def_readonly("tokens_per_param_fixed",
                    &AllocationTable::tokens_per_param_fixed)
      .def_readwrite("level", &AllocationTable::level)
      .def_readwrite("interval_method", &AllocationTable::interval_method)
      .def_property_readonly(
          "target_loss",
          [](const AllocationTable& t) { return OptionalArray(t.target_loss); })
      .def_property_readonly("num_rows", &AllocationTable::num_rows)
      .def_static("column_names", &AllocationTable::ColumnNames)
      .def("column",
           pyb::overload_cast<const std::string&>(&AllocationTable::column,
                                                  pyb::const_),
           pyb::arg("name"), pyb::return_value_policy::copy)
      .def(
          "set_interval",
          [](AllocationTable& t, const std::string& name,
             const pyb::array_t<double, pyb::array::forcecast>& lower,
             const pyb::array_t<double, pyb::array::forcecast>& upper) {
            AllocationColumn& c = t.column(name);
            std::vector<double> lo = ToVector(lower, "lower"),
                                hi = ToVector(upper, "upper");
            if (lo.size() != c.mean.size() || hi.size() != c.mean.size()) {
              throw InvalidArgument(
                  "set_interval: column '" + name + "' has " +
                  std::to_string(c.mean.size()) + " rows; lower/upper have " +
                  std::to_string(lo.size()) + "/" + std::to_string(hi.size()));
            }
            c.lower = std::move(lo);
            c.upper = std::move(hi);
          },
          pyb::arg("name"), pyb::arg("lower"), pyb::arg("upper"))
      .def("row", &AllocationTable::row, pyb::arg("i"))
      .def("brief_report", &AllocationTable::BriefReport)
      .def("full_report", &AllocationTable::FullReport)
      .def("__repr__", &AllocationTable::BriefReport)
      .def(PickleFields<AllocationTable>(
          &AllocationTable::kind, &AllocationTable::law,
          &AllocationTable::flop_convention, &AllocationTable::flop_description,
          &AllocationTable::method, &AllocationTable::fitted,
          &AllocationTable::has_data, &AllocationTable::tokens_per_param_fixed,
          &AllocationTable::level, &AllocationTable::interval_method,
          &AllocationTable::C, &AllocationTable::N_opt, &AllocationTable::D_opt,
          &AllocationTable::tokens_per_param, &AllocationTable::loss_opt,
          &AllocationTable::target_loss, &AllocationTable::decades_beyond_data,
          &AllocationTable::compute_max, &AllocationTable::warning));

  pyb::class_<InferenceAwarePlan>(m, "InferenceAwarePlan")
      .def_readonly("target_loss", &InferenceAwarePlan::target_loss)
      .def_readonly("inference_tokens", &InferenceAwarePlan::inference_tokens)
      .def_readonly("N_opt", &InferenceAwarePlan::N_opt)
      .def_readonly("D_opt", &InferenceAwarePlan::D_opt)
      .def_readonly("tokens_per_param", &InferenceAwarePlan::tokens_per_param)
      .def_readonly("training_flops", &InferenceAwarePlan::training_flops)
      .def_readonly("inference_flops", &InferenceAwarePlan::inference_flops)
      .def_readonly("total_flops", &InferenceAwarePlan::total_flops)
      .def_readonly("chinchilla_N", &InferenceAwarePlan::chinchilla_N)
      .def_readonly("chinchilla_D", &InferenceAwarePlan::chinchilla_D)
      .def_readonly("chinchilla_total_flops",
                    &InferenceAwarePlan::chinchilla_total_flops)
      .def_readonly("flop_convention", &InferenceAwarePlan::flop_convention)
      .def("report", &InferenceAwarePlan::Report)
      .def("__repr__",
           [](const InferenceAwarePlan& p) {
             return "InferenceAwarePlan(N=" + FormatShort(p.N_opt, 4) +
                    ", D=" + FormatShort(p.D_opt, 4) +
                    ", total FLOPs=" + FormatShort(p.total_flops, 4) +
                    ", FLOPs " + p.flop_convention + ")";
           })
      .def(PickleFields<InferenceAwarePlan>(
          &InferenceAwarePlan::target_loss,
          &InferenceAwarePlan::inference_tokens, &InferenceAwarePlan::N_opt,
          &InferenceAwarePlan::D_opt, &InferenceAwarePlan::tokens_per_param,
          &InferenceAwarePlan::training_flops,
          &InferenceAwarePlan::inference_flops,
          &InferenceAwarePlan::total_flops, &InferenceAwarePlan::chinchilla_N,
          &InferenceAwarePlan::chinchilla_D,
          &InferenceAwarePlan::chinchilla_total_flops,
          &InferenceAwarePlan::flop_convention));

  m.def(
      "compute_optimal",
      [](const FitResult& r,
         const pyb::array_t<double, pyb::array::forcecast>& C,
         const FlopModel& flops, const std::string& method,
         const pyb::object& other, bool allow_unidentified) {
        const std::vector<double> c = ToVector(C, "flops");
        AllocationOptions o = Options(method, other);
        o.allow_unidentified = allow_unidentified;
        return WithoutGil([&] { return ComputeOptimal(r, c, flops, o); });
      },
      pyb::arg("result"), pyb::arg("C"), pyb::arg("flops"),
      pyb::arg("method") = "auto", pyb::arg("other_inputs") = pyb::none(),
      pyb::arg("allow_unidentified") = false);
  m.def(
      "loss_to_compute",
      [](const FitResult& r,
         const pyb::array_t<double, pyb::array::forcecast>& L,
         const FlopModel& flops, const std::string& method,
         const pyb::object& other, bool allow_unidentified) {
        const std::vector<double> t = ToVector(L, "target_loss");
        AllocationOptions o = Options(method, other);
        o.allow_unidentified = allow_unidentified;
        return WithoutGil([&] { return LossToCompute(r, t, flops, o); });
      },
      pyb::arg("result"), pyb::arg("target_loss"), pyb::arg("flops"),
      pyb::arg("method") = "auto", pyb::arg("other_inputs") = pyb::none(),
      pyb::arg("allow_unidentified") = false);
  m.def(
      "plan_at_ratio",
      [](const FitResult& r,
         const pyb::array_t<double, pyb::array::forcecast>& C, double ratio,
         const FlopModel& flops, const pyb::object& other) {
        const std::vector<double> c = ToVector(C, "flops");
        const AllocationOptions o = Options("auto", other);
        return WithoutGil([&] { return PlanAtRatio(r, c, ratio, flops, o); });
      },
      pyb::arg("result"), pyb::arg("C"), pyb::arg("tokens_per_param"),
      pyb::arg("flops"), pyb::arg("other_inputs") = pyb::none());
  m.def(
      "inference_aware",
      [](const FitResult& r, double target, double d_inf,
         const FlopModel& flops, double per_param, const std::string& method,
         const pyb::object& other) {
        const AllocationOptions o = Options(method, other);
        return WithoutGil([&] {
          return InferenceAware(r, target, d_inf, flops, per_param, o);
        });
      },
      pyb::arg("result"), pyb::arg("target_loss"), pyb::arg("inference_tokens"),
      pyb::arg("flops"), pyb::arg("inference_flops_per_param") = 2.0,
      pyb::arg("method") = "auto", pyb::arg("other_inputs") = pyb::none());
  m.def(
      "law_floor",
      [](const FitResult& r, const pyb::object& other) {
        return LawFloor(r, Options("auto", other));
      },
      pyb::arg("result"), pyb::arg("other_inputs") = pyb::none());
}

}  // namespace scalefit::py
