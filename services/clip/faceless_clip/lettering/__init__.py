"""Lettering in every script: which typeface draws which letters (``typefaces``), the folder of
fonts libass loads for a caption (``fonts_dir``) and how wide a text sits on a line
(``text_width``). Captions and drawn cards both choose their fonts here."""
