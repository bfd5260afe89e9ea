# Document and BSON only: no server, so no fixture.
if(NOT TARGET simul::mongo)
  set(SIMUL_TEST_SKIP ON)
else()
  set(SIMUL_TEST_LIBS simul::mongo)
endif()
