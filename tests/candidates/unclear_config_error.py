"""A candidate LSTMCell that divides by its hidden size before checking it: a zero hidden
size raises ``ZeroDivisionError`` instead of the clear ``ValueError`` of contract item 6.
Its ``bad_input`` failure must say, without ``-v``, which error the suite expected."""

from optimized.alf import recurrent
from tests.broken import candidate


class LSTMCell(recurrent.LSTMCell):
    def __init__(self, input_size: int, hidden_size: int, *args, **kwargs) -> None:
        self.scale = 1.0 / hidden_size
        super().__init__(input_size, hidden_size, *args, **kwargs)


alf = candidate(LSTMCell=LSTMCell)
