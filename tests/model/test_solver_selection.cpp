#include <doctest/doctest.h>

#include "runtime/model/solver_selection.hpp"

using intentd::solver_selection;

TEST_CASE("solver selection rotates over healthy solvers") {
  solver_selection sel{3, 2, 1000};
  CHECK(sel.pick(0) == 0);
  CHECK(sel.pick(0) == 1);
  CHECK(sel.pick(0) == 2);
  CHECK(sel.pick(0) == 0);
}

TEST_CASE("a solver failing in a row is skipped until its cooldown ends") {
  solver_selection sel{3, 2, 1000};
  sel.report(1, false, 0);
  CHECK(sel.healthy(1, 0));
  sel.report(1, false, 10);
  CHECK_FALSE(sel.healthy(1, 10));
  CHECK(sel.pick(20) == 0);
  CHECK(sel.pick(20) == 2);
  CHECK(sel.pick(20) == 0);
  CHECK(sel.healthy(1, 1010));
  CHECK(sel.pick(1010) == 1);
}

TEST_CASE("a success resets the failure count") {
  solver_selection sel{2, 2, 1000};
  sel.report(0, false, 0);
  sel.report(0, true, 1);
  sel.report(0, false, 2);
  CHECK(sel.healthy(0, 2));
}

TEST_CASE("when every solver is skipped the one recovering first is used") {
  solver_selection sel{2, 1, 1000};
  sel.report(0, false, 100);
  sel.report(1, false, 50);
  CHECK_FALSE(sel.healthy(0, 200));
  CHECK_FALSE(sel.healthy(1, 200));
  CHECK(sel.pick(200) == 1);
}
