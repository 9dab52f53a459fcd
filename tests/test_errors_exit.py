"""``edgenst.errors.exit_with``: the benchmark scripts' entry point turns an InputError into one line
and exit 2, and passes a main's own code through."""

import pytest

from edgenst.errors import InputError, exit_with


def test_an_input_error_is_one_line_and_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    def main() -> int:
        raise InputError("--shard '3/2': need 0 <= I < N")

    with pytest.raises(SystemExit) as exc:
        exit_with(main)
    assert exc.value.code == 2
    assert capsys.readouterr().err == "error: --shard '3/2': need 0 <= I < N\n"


@pytest.mark.parametrize("code,expected", [(0, 0), (None, 0), (3, 3)])
def test_the_main_s_own_code_passes_through(code: int | None, expected: int) -> None:
    with pytest.raises(SystemExit) as exc:
        exit_with(lambda: code)
    assert exc.value.code == expected


def test_other_errors_are_not_swallowed() -> None:
    def main() -> int:
        raise RuntimeError("internal")

    with pytest.raises(RuntimeError):
        exit_with(main)
