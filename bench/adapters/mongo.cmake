# The MongoDB client benchmark (bench/adapters/run_mongo.sh): simul's program;
# pymongo's side is bench/adapters/mongo_bench.py.
if(TARGET simul::mongo)
  add_executable(simul_bench_mongo ${CMAKE_CURRENT_SOURCE_DIR}/adapters/mongo_bench.cpp)
  target_link_libraries(simul_bench_mongo PRIVATE simul::mongo simul_warnings)
  target_compile_options(simul_bench_mongo PRIVATE ${SIMUL_BENCH_FLAGS})
  target_compile_definitions(simul_bench_mongo PRIVATE ${SIMUL_BENCH_DEFS})
  set_target_properties(simul_bench_mongo PROPERTIES
    OUTPUT_NAME mongo_bench RUNTIME_OUTPUT_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR}/adapters)
  list(APPEND SIMUL_BENCH_PROGRAMS simul_bench_mongo)
endif()
