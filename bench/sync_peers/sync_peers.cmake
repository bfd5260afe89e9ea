# bench/sync_peers/: the sync-primitive benchmarks (uncontended Lock, Event
# ping-pong, SPSC Queue) as standalone programs beside their peers (Tokio,
# asyncio, uvloop, Boost.Asio), run by bench/sync_peers/run.sh. Here: simul's
# program and the Asio peer (the Tokio peer is built by run.sh with cargo).
add_executable(simul_sync_simul ${CMAKE_CURRENT_SOURCE_DIR}/sync_peers/simul_sync.cpp)
target_link_libraries(simul_sync_simul PRIVATE simul::simul simul_warnings)
target_include_directories(simul_sync_simul PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
target_compile_features(simul_sync_simul PRIVATE cxx_std_20)
target_compile_options(simul_sync_simul PRIVATE ${SIMUL_BENCH_FLAGS})
target_compile_definitions(simul_sync_simul PRIVATE ${SIMUL_BENCH_DEFS})
set_target_properties(simul_sync_simul PROPERTIES
  OUTPUT_NAME simul_sync RUNTIME_OUTPUT_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR}/sync_peers)
list(APPEND SIMUL_BENCH_PROGRAMS simul_sync_simul)

# The Asio peer: header-only Boost.Asio (Debian: libboost1.81-dev), compiled
# as the peer kit compiles its C++ peers (-O2 -DNDEBUG -Wall), not against simul.
find_package(boost_headers 1.81 CONFIG QUIET)
if(TARGET Boost::headers)
  add_executable(simul_sync_asio ${CMAKE_CURRENT_SOURCE_DIR}/sync_peers/asio/sync.cpp)
  target_link_libraries(simul_sync_asio PRIVATE Boost::headers Threads::Threads)
  target_compile_features(simul_sync_asio PRIVATE cxx_std_20)
  target_compile_options(simul_sync_asio PRIVATE -O2 -Wall)
  target_compile_definitions(simul_sync_asio PRIVATE NDEBUG)
  set_target_properties(simul_sync_asio PROPERTIES
    OUTPUT_NAME asio_sync RUNTIME_OUTPUT_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR}/sync_peers)
  list(APPEND SIMUL_BENCH_PROGRAMS simul_sync_asio)
else()
  message(STATUS "simul: Boost headers not found (apt-get install libboost1.81-dev): no Asio sync peer")
endif()
