"""The permission matrix for `disaster` (see test_permission_matrix.py); a file of its own so that
xdist runs it beside the others."""

from tests.security.matrix import figures
from tests.security.runner import check_app


def test_matrix_disaster(db: None) -> None:
    assert check_app("disaster") == figures("disaster")["cells"]
