# tests/debug/blocking_detector_test.cpp links the detector library (as a
# debug program would, instead of LD_PRELOAD) and a stand-in third-party
# library that blocks.
if(NOT TARGET simul_test_third_party)
  enable_language(C)
  add_library(simul_test_third_party SHARED ${CMAKE_CURRENT_SOURCE_DIR}/debug/third_party_blocking.c)
endif()
set(SIMUL_TEST_LIBS -Wl,--no-as-needed simul::blocking_detector simul_test_third_party -Wl,--as-needed)
