# Debug mode (src/debug/): the stall watchdog, the trace recorder, the task
# dump and the exit statistics are part of simul itself; the watchdog's stacks
# come from Boost.Stacktrace on libbacktrace (Debian:
# libboost-stacktrace1.81-dev). Without it, stall reports say where the step
# began but carry no stack.
#
# The blocking-call detector is a separate shared library,
# libsimul_blocking_detector.so (target simul::blocking_detector), that a
# program links or preloads: see include/simul/debug/blocking_detector.hpp.
target_sources(simul PRIVATE
  ${CMAKE_CURRENT_SOURCE_DIR}/debug/debug_monitor.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/debug/stall_watchdog.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/debug/trace_recorder.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/debug/task_dump.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/debug/blocking_report.cpp)
find_package(boost_stacktrace_backtrace 1.81 CONFIG QUIET)
if(TARGET Boost::stacktrace_backtrace)
  target_link_libraries(simul PRIVATE Boost::stacktrace_backtrace ${CMAKE_DL_LIBS})
  target_compile_definitions(simul PRIVATE BOOST_STACKTRACE_LINK SIMUL_HAVE_STACKTRACE=1)
else()
  message(STATUS "simul: Boost.Stacktrace not found (apt-get install libboost-stacktrace1.81-dev): stall reports have no stack")
endif()

add_library(simul_blocking_detector SHARED ${CMAKE_CURRENT_SOURCE_DIR}/debug/blocking_detector.cpp)
add_library(simul::blocking_detector ALIAS simul_blocking_detector)
target_link_libraries(simul_blocking_detector PRIVATE ${CMAKE_DL_LIBS} Threads::Threads $<BUILD_INTERFACE:simul_warnings>)
set_target_properties(simul_blocking_detector PROPERTIES OUTPUT_NAME simul_blocking_detector
                      LIBRARY_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/lib)
