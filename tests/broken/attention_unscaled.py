"""SocialAttentionNetwork's attention without the 1 / sqrt(d) scaling of its scores."""

from typing import Any

import torch.nn.functional as F

from optimized.alf import transformer_networks
from reference.alf.preprocessors import PreprocessorNetwork
from tests.broken import candidate


class SocialAttentionNetwork(transformer_networks.SocialAttentionNetwork):
    def forward(self, inputs: Any, state: Any = ()) -> Any:
        x, _ = PreprocessorNetwork.forward(self, inputs, state)
        e = self.embed(x)
        b, n, width = e.shape
        heads, d = self._num_of_heads, self._fea_dim_per_head
        keys = self._key_proj(e.reshape(b * n, width)).reshape(b, n, heads, d).transpose(1, 2)
        values = self._value_proj(e.reshape(b * n, width)).reshape(b, n, heads, d)
        query = self._query_proj(e[:, 0]).reshape(b, heads, 1, d)
        out = F.scaled_dot_product_attention(query, keys, values.transpose(1, 2), scale=1.0)
        return out.reshape(b, width), state


alf = candidate(SocialAttentionNetwork=SocialAttentionNetwork)

#: The (entry, property) cells this defect must turn to FAIL.
EXPECTED = [
    ("alf.SocialAttentionNetwork", "parity"),
    ("alf.SocialAttentionNetwork", "ego_attention"),
]
