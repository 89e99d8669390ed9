"""cards.py: every Markdown table gets data-label cells from its header so that it becomes
cards on a phone (issue 20); tables with a class of their own (the dataset tables, written by
the templates) are left alone."""

from __future__ import annotations

from scripts.portal.site import cards

MD_TABLE = """<table>
<thead>
<tr>
<th>指标</th>
<th align="right">数值 <em>(%)</em></th>
<th>“来源”&amp;行</th>
</tr>
</thead>
<tbody>
<tr>
<td><a href="x/">网民规模</a></td>
<td align="right">3,052.1 万</td>
<td>辽宁报告</td>
</tr>
<tr>
<td>普及率</td>
<td align="right">71.7</td>
<td>CNNIC</td>
</tr>
</tbody>
</table>"""


def test_markdown_tables_get_a_label_per_cell():
    out = cards.cards("<p>x</p>" + MD_TABLE)
    assert out.startswith("<p>x</p>") and "<table data-cards>" in out
    assert out.count('data-label="指标"') == 2 and out.count('data-label="数值 (%)"') == 2
    assert out.count('data-label="“来源”&amp;行"') == 2   # the header's text, escaped for the attribute
    assert '<td data-label="指标"><a href="x/">网民规模</a></td>' in out
    assert "<th>指标</th>" in out   # header cells unchanged


def test_tables_of_the_templates_are_left_alone():
    own = '<table class="portal-table"><thead><tr><th>a</th></tr></thead><tbody><tr><td>1</td></tr></tbody></table>'
    assert cards.cards(own) == own
    headless = "<table><tbody><tr><td>1</td></tr></tbody></table>"
    assert cards.cards(headless) == headless
