# bench/tls: TLS echo (100 connections, 64-byte ping-pong after the
# handshakes) and full handshakes per second, simul beside Boost.Asio's
# ssl::stream, both driven by the same simul load generator
# (bench/tls/run_tls.sh runs them; figures in docs/performance.md).
if(TARGET OpenSSL::SSL)
  add_executable(simul_tls_echo tls/tls_echo_simul.cpp)
  add_executable(simul_tls_load tls/tls_load.cpp)
  foreach(t simul_tls_echo simul_tls_load)
    target_link_libraries(${t} PRIVATE simul::simul simul_warnings)
    target_compile_options(${t} PRIVATE ${SIMUL_BENCH_FLAGS})
    target_compile_definitions(${t} PRIVATE ${SIMUL_BENCH_DEFS})
    set_target_properties(${t} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR}/tls)
    list(APPEND SIMUL_BENCH_PROGRAMS ${t})
  endforeach()
  set_target_properties(simul_tls_echo PROPERTIES OUTPUT_NAME tls_echo_simul)
  set_target_properties(simul_tls_load PROPERTIES OUTPUT_NAME tls_load)

  find_path(SIMUL_ASIO_SSL_INCLUDE boost/asio/ssl.hpp)
  if(SIMUL_ASIO_SSL_INCLUDE)
    add_executable(simul_tls_echo_asio tls/tls_echo_asio.cpp)
    target_include_directories(simul_tls_echo_asio PRIVATE ${SIMUL_ASIO_SSL_INCLUDE})
    target_link_libraries(simul_tls_echo_asio PRIVATE OpenSSL::SSL OpenSSL::Crypto Threads::Threads)
    target_compile_features(simul_tls_echo_asio PRIVATE cxx_std_20)
    target_compile_options(simul_tls_echo_asio PRIVATE ${SIMUL_BENCH_FLAGS})
    target_compile_definitions(simul_tls_echo_asio PRIVATE ${SIMUL_BENCH_DEFS})
    set_target_properties(simul_tls_echo_asio PROPERTIES OUTPUT_NAME tls_echo_asio
                          RUNTIME_OUTPUT_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR}/tls)
    list(APPEND SIMUL_BENCH_PROGRAMS simul_tls_echo_asio)
  else()
    message(STATUS "simul: Boost.Asio headers not found (apt-get install libboost-dev): the Asio TLS peer is off")
  endif()
else()
  message(STATUS "simul: TLS is off (no OpenSSL): the TLS benchmarks are off")
endif()
