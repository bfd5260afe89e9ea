# bench/dns/: name lookups per second, c-ares on the loop beside getaddrinfo
# on the thread pool (bench/dns/run.sh). Needs the DNS component (c-ares).
if(SIMUL_HAVE_DNS)
  add_executable(simul_dns_lookups ${CMAKE_CURRENT_SOURCE_DIR}/dns/dns_lookups.cpp)
  target_link_libraries(simul_dns_lookups PRIVATE simul::simul simul_warnings)
  target_compile_features(simul_dns_lookups PRIVATE cxx_std_20)
  target_compile_options(simul_dns_lookups PRIVATE ${SIMUL_BENCH_FLAGS})
  target_compile_definitions(simul_dns_lookups PRIVATE ${SIMUL_BENCH_DEFS})
  set_target_properties(simul_dns_lookups PROPERTIES
    OUTPUT_NAME dns_lookups RUNTIME_OUTPUT_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR}/dns)
  list(APPEND SIMUL_BENCH_PROGRAMS simul_dns_lookups)
endif()
