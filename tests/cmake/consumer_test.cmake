# Builds examples/consumer against (1) the scalefit build tree and (2) an
# install prefix made from it, and runs the planner each time.
# Run by ctest (tests/CMakeLists.txt, test "consumer_package") as
#   cmake -DSCALEFIT_SOURCE_DIR=... -DSCALEFIT_BINARY_DIR=... -DWORK_DIR=...
#         [-DGENERATOR=Ninja] -P tests/cmake/consumer_test.cmake
foreach(var SCALEFIT_SOURCE_DIR SCALEFIT_BINARY_DIR WORK_DIR)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "consumer_test: ${var} is not set")
  endif()
endforeach()
set(consumer_src "${SCALEFIT_SOURCE_DIR}/examples/consumer")
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

function(build_and_run mode expected_dir)
  set(bdir "${WORK_DIR}/build-${mode}")
  run_step("configure (${mode})" ${CMAKE_COMMAND} -S "${consumer_src}" -B "${bdir}" ${gen_args}
           -DCMAKE_BUILD_TYPE=Release -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF ${ARGN})
  string(FIND "${step_output}" "from ${expected_dir}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "consumer_test: (${mode}) scalefit was not found in ${expected_dir}:\n${step_output}")
  endif()
  run_step("build (${mode})" ${CMAKE_COMMAND} --build "${bdir}")
  run_step("run (${mode})" "${bdir}/planner")
  string(FIND "${step_output}" "round trip OK" ok)
  if(ok EQUAL -1)
    message(FATAL_ERROR "consumer_test: (${mode}) planner output:\n${step_output}")
  endif()
  message(STATUS "consumer_test: ${mode} OK")
endfunction()

# 1. The build tree (scalefitConfig.cmake + exported targets in the build dir).
build_and_run(build-tree "${SCALEFIT_BINARY_DIR}" -Dscalefit_DIR=${SCALEFIT_BINARY_DIR})

# 2. An install prefix.
set(prefix "${WORK_DIR}/prefix")
run_step("install" ${CMAKE_COMMAND} --install "${SCALEFIT_BINARY_DIR}" --prefix "${prefix}")
file(GLOB_RECURSE configs "${prefix}/*/scalefitConfig.cmake")
list(LENGTH configs n)
if(NOT n EQUAL 1)
  message(FATAL_ERROR "consumer_test: expected one installed scalefitConfig.cmake, found: ${configs}")
endif()
get_filename_component(installed_dir "${configs}" DIRECTORY)
build_and_run(install "${installed_dir}" -DCMAKE_PREFIX_PATH=${prefix})
