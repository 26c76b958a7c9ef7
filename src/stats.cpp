// CountDistinct (detail/stats.hpp): the sort behind every distinct count of
// the data summary and the diagnostics (each input, the compute).
#include "scalefit/detail/stats.hpp"

#include <hwy/contrib/sort/vqsort.h>

#include <algorithm>
#include <boost/sort/spreadsort/float_sort.hpp>
#include <cmath>
#include <vector>

namespace scalefit::detail {

int CountDistinct(std::vector<double> v) {
  // Finite values from a few hundred on: Highway's vectorised quicksort
  // (VQSort, dispatched at run time to the widest SIMD set the CPU has),
  // about 5 times as fast as Boost.Sort's radix-based float_sort on a
  // million doubles. Its pivots are sampled at random, but the sorted values
  // are the same whatever they are (−0 and +0 may swap places, which the
  // count below does not see). Otherwise (a few values, or some not finite)
  // float_sort: the order of std::sort for finite values.
  bool finite = true;
  for (double x : v) finite = finite && std::isfinite(x);
  if (finite && v.size() >= 256) {
    const hwy::Sorter sorter;
    sorter(v.data(), v.size(), hwy::SortAscending());
  } else {
    boost::sort::spreadsort::float_sort(v.begin(), v.end());
  }
  int distinct = 0;
  for (size_t i = 0; i < v.size(); ++i) {
    if (i == 0 || std::abs(v[i] - v[i - 1]) >
                      kDistinctTolerance * std::max(std::abs(v[i]), 1e-300)) {
      ++distinct;
    }
  }
  return distinct;
}

}  // namespace scalefit::detail
