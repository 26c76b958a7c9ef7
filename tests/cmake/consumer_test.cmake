# Builds two consumers against (1) the scalefit build tree and (2) an install
# prefix made from it, and runs each:
#  - examples/consumer: the full library (scalefit::scalefit, a fit card
#    round trip);
#  - tests/cmake/laws_consumer: the header-only core alone (scalefit::laws,
#    find_package(scalefit COMPONENTS laws)); the headers its compiler
#    opens (-H) must include no Ceres, Eigen, glog, spdlog or fmt header.
# Run by ctest (tests/CMakeLists.txt, test "consumer_package") as
#   cmake -DSCALEFIT_SOURCE_DIR=... -DSCALEFIT_BINARY_DIR=... -DWORK_DIR=...
#         [-DGENERATOR=Ninja] -P tests/cmake/consumer_test.cmake
foreach(var SCALEFIT_SOURCE_DIR SCALEFIT_BINARY_DIR WORK_DIR)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "consumer_test: ${var} is not set")
  endif()
endforeach()
file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")
set(gen_args)
if(GENERATOR)
  set(gen_args -G "${GENERATOR}")
endif()

function(run_step what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "consumer_test: ${what} failed (${rc}):\n${out}\n${err}")
  endif()
  set(step_output "${out}${err}" PARENT_SCOPE)
endfunction()

# build_and_run(NAME SOURCE_DIR EXECUTABLE EXPECTED_OUTPUT MODE EXPECTED_DIR cmake-args...)
function(build_and_run name src exe marker mode expected_dir)
  set(bdir "${WORK_DIR}/${name}-${mode}")
  run_step("configure (${name}, ${mode})" ${CMAKE_COMMAND} -S "${src}" -B "${bdir}" ${gen_args}
           -DCMAKE_BUILD_TYPE=Release -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF ${ARGN})
  string(FIND "${step_output}" "from ${expected_dir}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "consumer_test: (${name}, ${mode}) scalefit was not found in ${expected_dir}:\n${step_output}")
  endif()
  run_step("build (${name}, ${mode})" ${CMAKE_COMMAND} --build "${bdir}")
  set(consumer_build_output "${step_output}" PARENT_SCOPE)
  run_step("run (${name}, ${mode})" "${bdir}/${exe}")
  string(FIND "${step_output}" "${marker}" ok)
  if(ok EQUAL -1)
    message(FATAL_ERROR "consumer_test: (${name}, ${mode}) ${exe} output:\n${step_output}")
  endif()
  message(STATUS "consumer_test: ${name} (${mode}) OK")
endfunction()

# The header-only consumer's translation unit must not include anything from
# Ceres, Eigen, glog, spdlog or fmt: the build output lists every header the
# compiler opened (-H, see laws_consumer/CMakeLists.txt).
function(check_laws_headers build_output)
  string(REGEX MATCHALL "\\.+ [^\n]+" headers "${build_output}")
  list(LENGTH headers count)
  string(FIND "${build_output}" "scalefit/laws.hpp" at)
  if(count EQUAL 0 OR at EQUAL -1)
    message(FATAL_ERROR "consumer_test: no header list (-H) in the laws consumer's build output:\n${build_output}")
  endif()
  foreach(h IN LISTS headers)
    # The directory right under an include/ directory names the library,
    # whatever the checkout or prefix path is called.
    if(h MATCHES "/include/(ceres|eigen3|Eigen|glog|spdlog|fmt)/")
      message(FATAL_ERROR "consumer_test: the scalefit::laws consumer includes ${h}")
    endif()
  endforeach()
  message(STATUS "consumer_test: laws consumer includes ${count} headers, none from Ceres, Eigen, glog, spdlog or fmt")
endfunction()

set(full_src "${SCALEFIT_SOURCE_DIR}/examples/consumer")
set(laws_src "${SCALEFIT_SOURCE_DIR}/tests/cmake/laws_consumer")

# 1. The build tree (scalefitConfig.cmake + exported targets in the build dir).
build_and_run(full "${full_src}" planner "round trip OK" build-tree "${SCALEFIT_BINARY_DIR}"
              -Dscalefit_DIR=${SCALEFIT_BINARY_DIR})
build_and_run(laws "${laws_src}" laws_planner "laws consumer OK" build-tree "${SCALEFIT_BINARY_DIR}"
              -Dscalefit_DIR=${SCALEFIT_BINARY_DIR})
check_laws_headers("${consumer_build_output}")

# 2. An install prefix.
set(prefix "${WORK_DIR}/prefix")
run_step("install" ${CMAKE_COMMAND} --install "${SCALEFIT_BINARY_DIR}" --prefix "${prefix}")
file(GLOB_RECURSE configs "${prefix}/*/scalefitConfig.cmake")
list(LENGTH configs n)
if(NOT n EQUAL 1)
  message(FATAL_ERROR "consumer_test: expected one installed scalefitConfig.cmake, found: ${configs}")
endif()
get_filename_component(installed_dir "${configs}" DIRECTORY)
build_and_run(full "${full_src}" planner "round trip OK" install "${installed_dir}"
              -DCMAKE_PREFIX_PATH=${prefix})
build_and_run(laws "${laws_src}" laws_planner "laws consumer OK" install "${installed_dir}"
              -DCMAKE_PREFIX_PATH=${prefix})
check_laws_headers("${consumer_build_output}")
