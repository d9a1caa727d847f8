"""`zhizhi mediation …` — mediation figures and documents from the console.

    zhizhi mediation figures [--year Y] [--start YYYY-MM-DD] [--end YYYY-MM-DD] [--region CODE]
    zhizhi mediation document CASE_ID {agreement,termination} OUT.docx --user NAME [--reason R]

Exit codes: 0 ok; 2 an argument is unknown or the service refused (one line on stderr).
"""

from __future__ import annotations

from zhizhi.mediation import documents, figures
from zhizhi.metrics.command import FiguresAndDocumentsCommand


class Command(FiguresAndDocumentsCommand):
    help = "人民调解：统计数字、生成文书"
    figures = figures.FIGURE_SET
    documents = documents
    figures_help = "人民调解统计数字"
    document_help = "生成调解文书 .docx"
