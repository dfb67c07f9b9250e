# The three implementations of the dispatch benchmark's machine are units of their own
# (the units compile_cost/measure.sh measures). Boost.MSM 1.74 does not compile as C++20
# with g++ 12 (a template-id as constructor name), so its unit is an object library
# built as C++17.
target_sources(${target} PRIVATE
    "${CMAKE_CURRENT_SOURCE_DIR}/compile_cost/synack.cpp"
    "${CMAKE_CURRENT_SOURCE_DIR}/compile_cost/switch.cpp")
add_library(synack_bench_dispatch_msm OBJECT "${CMAKE_CURRENT_SOURCE_DIR}/compile_cost/msm.cpp")
set_target_properties(synack_bench_dispatch_msm PROPERTIES CXX_STANDARD 17 CXX_STANDARD_REQUIRED ON CXX_EXTENSIONS OFF)
target_link_libraries(synack_bench_dispatch_msm PRIVATE Boost::headers synack_warnings)
target_link_libraries(${target} PRIVATE synack_bench_dispatch_msm)
