"""ReportSpec: analysis results -> a frozen description of the report sheets (zh/en)."""
