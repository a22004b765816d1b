"""Spreadsheets in and out: `sanwu import` reads the 台账 staff keep in Excel/WPS into a record;
every record table goes back out as an .xlsx download or an empty template.

openpyxl (reading) and XlsxWriter (writing) are imported inside the functions that need them,
so commands that never touch a spreadsheet do not pay for them.
"""
