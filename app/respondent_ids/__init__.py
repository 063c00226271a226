"""A respondent id: which ones are accepted, and the keyed hash that is all that is kept.

Below both responses/ (which stores the hash) and respondents/ (which erases by it).
"""
