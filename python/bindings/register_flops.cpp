// Bindings for flops.hpp: FLOP conventions, architecture parameter counts and
// PF-day conversions. Array arguments are looped over here (C++), so the
// Python layer only adapts inputs.
#include <algorithm>
#include <optional>
#include <sstream>

#include "common.hpp"
#include "scalefit/flops.hpp"

namespace scalefit::py {

namespace {

using flops::Architecture;
using Arr = pyb::array_t<double, pyb::array::forcecast>;

/// Elementwise f over equal-length 1-D arrays (length 1 broadcasts).
template <typename F>
pyb::array_t<double> Map2(const Arr& a, const std::string& an, const Arr& b,
                          const std::string& bn, F&& f) {
  const std::vector<double> x = ToVector(a, an), y = ToVector(b, bn);
  const size_t n = std::max(x.size(), y.size());
  if ((x.size() != n && x.size() != 1) || (y.size() != n && y.size() != 1)) {
    throw InvalidArgument("'" + an + "' has " + std::to_string(x.size()) +
                          " values and '" + bn + "' has " +
                          std::to_string(y.size()) + "; lengths must match");
  }
  std::vector<double> out(n);
  for (size_t i = 0; i < n; ++i) {
    try {
      out[i] = f(x[x.size() == 1 ? 0 : i], y[y.size() == 1 ? 0 : i]);
    } catch (const InvalidArgument& e) {
      if (n == 1) throw;
      throw InvalidArgument(std::string(e.what()) + " at row " +
                            std::to_string(i) + " (0-based)");
    }
  }
  return ToArray(out);
}

template <typename F>
pyb::array_t<double> Map1(const Arr& a, const std::string& an, F&& f) {
  std::vector<double> x = ToVector(a, an);
  for (size_t i = 0; i < x.size(); ++i) {
    try {
      x[i] = f(x[i]);
    } catch (const InvalidArgument& e) {
      throw InvalidArgument(std::string(e.what()) + " at row " +
                            std::to_string(i) + " (0-based)");
    }
  }
  return ToArray(x);
}

std::string ArchRepr(const Architecture& a) {
  std::ostringstream os;
  os << "Architecture(n_layers=" << a.n_layers << ", d_model=" << a.d_model
     << ", n_heads=" << a.n_heads << ", d_ff=" << a.d_ff
     << ", ff_ratio=" << FormatFull(a.ff_ratio)
     << ", vocab_size=" << a.vocab_size << ", seq_len=" << a.seq_len
     << ", kv_size=" << a.kv_size << ")";
  return os.str();
}

}  // namespace

void RegisterFlops(pyb::module_& m) {
  pyb::module_ f =
      m.def_submodule("flops", "FLOP conventions (scalefit/flops.hpp)");
  f.attr("FLOPS_PER_PETAFLOP_DAY") = flops::kFlopsPerPetaflopDay;

  pyb::class_<Architecture>(f, "Architecture")
      .def(pyb::init([](int n_layers, int d_model, int n_heads, int d_ff,
                        double ff_ratio, int vocab_size, int seq_len,
                        int kv_size) {
             Architecture a{n_layers, d_model,    n_heads, d_ff,
                            ff_ratio, vocab_size, seq_len, kv_size};
             a.Validate();
             return a;
           }),
           pyb::kw_only(), pyb::arg("n_layers"), pyb::arg("d_model"),
           pyb::arg("n_heads"), pyb::arg("d_ff") = 0,
           pyb::arg("ff_ratio") = 4.0, pyb::arg("vocab_size"),
           pyb::arg("seq_len"), pyb::arg("kv_size") = 0)
      .def_readonly("n_layers", &Architecture::n_layers)
      .def_readonly("d_model", &Architecture::d_model)
      .def_readonly("n_heads", &Architecture::n_heads)
      .def_readonly("d_ff", &Architecture::d_ff)
      .def_readonly("ff_ratio", &Architecture::ff_ratio)
      .def_readonly("vocab_size", &Architecture::vocab_size)
      .def_readonly("seq_len", &Architecture::seq_len)
      .def_readonly("kv_size", &Architecture::kv_size)
      .def_property_readonly("feed_forward_size",
                             &Architecture::FeedForwardSize)
      .def_property_readonly("key_size", &Architecture::KeySize)
      .def_property_readonly("attention_size", &Architecture::AttentionSize)
      .def("__repr__", &ArchRepr)
      .def(PickleFields<Architecture>(
          &Architecture::n_layers, &Architecture::d_model,
          &Architecture::n_heads, &Architecture::d_ff, &Architecture::ff_ratio,
          &Architecture::vocab_size, &Architecture::seq_len,
          &Architecture::kv_size));

  f.def("conventions", [] {
    std::vector<std::string> v;
    for (auto c : flops::AllFlopConventions()) v.push_back(flops::ToString(c));
    return v;
  });
  f.def(
      "parse_convention",
      [](const std::string& s) {
        return flops::ToString(flops::ParseFlopConvention(s));
      },
      pyb::arg("name"));
  f.def("non_embedding_params", &flops::NonEmbeddingParams, pyb::arg("arch"));
  f.def("embedding_params", &flops::EmbeddingParams, pyb::arg("arch"));
  f.def("total_params", &flops::TotalParams, pyb::arg("arch"));
  f.def(
      "flops_6nd",
      [](const Arr& N, const Arr& D, double k) {
        return Map2(N, "N", D, "D", [k](double n, double d) {
          return flops::Flops6ND(n, d, k);
        });
      },
      pyb::arg("N"), pyb::arg("D"), pyb::arg("k") = 6.0);
  f.def(
      "kaplan_training_flops",
      [](const Architecture& a, const Arr& tokens) {
        return Map1(tokens, "tokens", [&a](double t) {
          return flops::KaplanTrainingFlops(a, t);
        });
      },
      pyb::arg("arch"), pyb::arg("tokens"));
  f.def(
      "hoffmann_training_flops",
      [](const Architecture& a, const Arr& tokens) {
        return Map1(tokens, "tokens", [&a](double t) {
          return flops::HoffmannTrainingFlops(a, t);
        });
      },
      pyb::arg("arch"), pyb::arg("tokens"));
  f.def(
      "hoffmann_breakdown",
      [](const Architecture& a) {
        const flops::FlopBreakdown b = flops::HoffmannFlopBreakdown(a);
        pyb::dict d;
        d["embeddings"] = b.embeddings;
        d["attention_qkv"] = b.attention_qkv;
        d["attention_logits"] = b.attention_logits;
        d["attention_softmax"] = b.attention_softmax;
        d["attention_reduction"] = b.attention_reduction;
        d["attention_output"] = b.attention_output;
        d["dense"] = b.dense;
        d["final_logits"] = b.final_logits;
        d["forward"] = b.forward;
        d["backward"] = b.backward;
        d["total"] = b.total;
        return d;
      },
      pyb::arg("arch"));
  f.def(
      "training_flops",
      [](const std::string& convention, const Arr& N, const Arr& D,
         const std::optional<Architecture>& arch) {
        const flops::FlopConvention c = flops::ParseFlopConvention(convention);
        const Architecture* ap = arch ? &*arch : nullptr;
        return Map2(N, "N", D, "D", [c, ap](double n, double d) {
          return flops::TrainingFlops(c, ap, n, d);
        });
      },
      pyb::arg("convention"), pyb::arg("N"), pyb::arg("D"),
      pyb::arg("arch") = pyb::none());
  f.def(
      "flops_to_pf_days",
      [](const Arr& x) {
        return Map1(x, "flops",
                    [](double v) { return flops::FlopsToPetaflopDays(v); });
      },
      pyb::arg("flops"));
  f.def(
      "pf_days_to_flops",
      [](const Arr& x) {
        return Map1(x, "pf_days",
                    [](double v) { return flops::PetaflopDaysToFlops(v); });
      },
      pyb::arg("pf_days"));
}

}  // namespace scalefit::py
