# bench/adapters/redis: 100 concurrent tasks doing GET/SET against one
# redis-server, simul::redis beside redis-py's asyncio client
# (bench/adapters/run_redis.sh runs both and prints the ratios).
if(TARGET simul::redis)
  add_executable(simul_bench_redis ${CMAKE_CURRENT_LIST_DIR}/redis_bench.cpp)
  target_link_libraries(simul_bench_redis PRIVATE simul::redis simul::simul simul_warnings)
  target_compile_options(simul_bench_redis PRIVATE ${SIMUL_BENCH_FLAGS})
  target_compile_definitions(simul_bench_redis PRIVATE ${SIMUL_BENCH_DEFS})
  set_target_properties(simul_bench_redis PROPERTIES
    OUTPUT_NAME redis_bench RUNTIME_OUTPUT_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR}/adapters)
  list(APPEND SIMUL_BENCH_PROGRAMS simul_bench_redis)
endif()
