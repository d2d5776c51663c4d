"""The commands: every console script's ``main()``, its argument parsing, help texts and the crash
handler they all run under. The top layer: nothing below imports from here."""
