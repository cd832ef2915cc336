"""Education: recruitment to preschools and schools (stable, explainable allocation),
attendance, meals and fees, school libraries, the organisation sheet, scholarships."""
