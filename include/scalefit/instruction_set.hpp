/// @file instruction_set.hpp
/// Which SIMD instruction set evaluates the built-in laws.
///
/// Laws whose Evaluate takes `InputRowOf<T>` (laws/input_row.hpp) are
/// evaluated on batches of rows: 2 per SSE2 batch (every x86-64 CPU), 4 per
/// AVX2 batch, 8 per AVX-512 batch (the AVX-512 kernels need AVX-512 F, CD,
/// DQ and BW, as on Skylake-SP, later Xeons and Zen 4; elsewhere AVX2). The
/// library is compiled for baseline x86-64; the AVX2 and AVX-512 kernels live
/// in translation units of their own and run only where the CPU (and the
/// operating system) support them.
/// The best supported set is chosen at start-up; the environment variable
/// SCALEFIT_INSTRUCTION_SET (scalar, sse2, avx2, avx512) or
/// SetInstructionSet() overrides it. An environment value naming no set, or
/// a set this CPU or build cannot run, keeps the default and is reported
/// once through Warn (log.hpp; a ScalefitWarning in Python).
///
/// Reproducibility: the sse2, avx2 and avx512 kernels give bit-identical
/// objectives, gradients and fits (rows are summed in 8 fixed lanes and no
/// fused multiply-add is used, not even where AVX-512 has it), so a fit is
/// the same on any x86-64 machine. "scalar" evaluates one row at a time with
/// the C library's exp and log (the path of laws without batch kernels and of
/// non-x86 builds): its objectives agree with the kernels' to about 1e-15
/// relative, and its parameters to the precision the optimum determines them
/// (1e-13 relative on the Epoch data with the default scaled line search;
/// flat valleys can leave 1e-8, the same spread as fitting the rows in
/// reverse order).
#pragma once

#include <string>
#include <vector>

namespace scalefit {

/// The instruction set in use: "avx512", "avx2", "sse2" or "scalar".
std::string InstructionSet();

/// Sets the instruction set for the fits that follow (process-wide). Throws
/// InvalidArgument naming the valid sets for an unknown name, or when this
/// CPU or build cannot run it.
void SetInstructionSet(const std::string& name);

/// The instruction sets this CPU and build can run, best first.
std::vector<std::string> SupportedInstructionSets();

}  // namespace scalefit
