"""Butane- and ct-compatible transpilers: YAML in, Ignition JSON out, one report.

Pure library: :func:`transpiler.butane.translate` and :func:`transpiler.ct.translate` take
the input bytes plus a :class:`transpiler.localfiles.FilesDir` accessor and return a
:class:`transpiler.result.Result`. Commands live in :mod:`ignition.commands.butane` and
:mod:`ignition.commands.ct`.
"""
