# The PostgreSQL benchmark (bench/adapters/run_pg.sh): simul::pg's load
# program, run beside asyncpg (bench/adapters/pg_load.py) on the same server.
if(TARGET simul::pg)
  add_executable(simul_pg_load ${CMAKE_CURRENT_SOURCE_DIR}/adapters/pg_load.cpp)
  target_link_libraries(simul_pg_load PRIVATE simul::pg simul_warnings)
  target_compile_options(simul_pg_load PRIVATE ${SIMUL_BENCH_FLAGS})
  target_compile_definitions(simul_pg_load PRIVATE ${SIMUL_BENCH_DEFS})
  set_target_properties(simul_pg_load PROPERTIES OUTPUT_NAME pg_load RUNTIME_OUTPUT_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR}/adapters)
  list(APPEND SIMUL_BENCH_PROGRAMS simul_pg_load)
endif()
