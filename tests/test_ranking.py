"""Ranking: the batched ``rank`` gives the scores of the one-candidate ``score``."""

from __future__ import annotations

import pytest

from prl.graph_api.answers.analysis import analyse
from prl.graph_api.answers.ranking import rank, score
from prl.graph_api.store.models import Candidate

NAMES = [
    ("食品经营许可", "01"),
    ("食品经营许可（餐饮服务）", "01"),
    ("对食品经营者未按规定经营的处罚", "02"),
    ("餐饮服务食品安全监督检查", "06"),
    ("药品零售企业经营许可", "01"),
    ("林木采伐许可证核发", "01"),
    ("对违法采伐林木的行政处罚", "02"),
    ("统计执法检查", "06"),
    ("建设工程消防设计审查", "01"),
    ("公共场所卫生许可", "01"),
    ("对拒绝、阻碍统计调查的处罚", "02"),
    ("个体工商户登记", "07"),
]
CANDIDATES = [
    Candidate(f"https://w3id.org/prl/id/power/t/{i:04d}", n, t, 1) for i, (n, t) in enumerate(NAMES)
]


@pytest.mark.parametrize(
    "question",
    ["食品经营许可", "餐饮店开业要办什么许可，谁负责", "砍树要审批吗", "统计", "许可", "处罚", "x"],
)
def test_rank_gives_the_scores_of_score(question):
    q = analyse(question)
    expected = sorted(
        ((p, score(q, p)) for p in CANDIDATES), key=lambda x: (-x[1], len(x[0].name), x[0].iri)
    )
    assert rank(q, CANDIDATES, len(CANDIDATES)) == expected
    assert rank(q, CANDIDATES, 3) == expected[:3]


def test_exact_name_first_and_type_intent():
    assert rank(analyse("食品经营许可"), CANDIDATES, 1)[0][0].name == "食品经营许可"
    top = rank(analyse("违法采伐林木怎么处罚"), CANDIDATES, 1)[0][0]
    assert top.name == "对违法采伐林木的行政处罚"
    assert rank(analyse("许可"), [], 5) == []
