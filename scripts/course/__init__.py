"""Build the course from its single source, the solution notebooks in ``solutions/``.

``python -m scripts.course COMMAND`` from the repository root (paths are relative to it):

  badges        put the "Open in Colab" badge and the Colab-only install cell on top of
                every solution notebook (idempotent: re-running replaces, never duplicates)
  students      generate ``chapters/`` from ``solutions/``: solution blocks become prompts,
                ``# NBVAL_CHECK_OUTPUT`` markers and outputs are removed
  readme-table  fill README.md's chapter table between its ``chapters:start/end`` markers
  check         exit 1 if ``chapters/``, the badges or the README table are out of date
  execute       run solution notebooks in a fresh kernel each and store their outputs in place
  build         build the course as a book (Sphinx + MyST-NB + sphinx-book-theme) in
                build/site from freshly executed solutions (--no-execute: stored outputs)
  colab-check   run solution notebooks in an emulated fresh Colab runtime, install cell first

The conventions these implement are in CONTRIBUTING.md and docs/pipeline.md. Modules:
``config`` (the course's settings), ``notebooks`` (reading, writing, tags, titles),
``students`` (answers to prompts), ``colab`` (the badge and the install cell, from
``colab_setup.py.template``), ``readme`` (the chapter table), ``sync`` (what is stale),
``execute`` (fresh kernels), ``book`` (the book), ``colab_check`` (the Colab emulation) and
``cli`` (the commands).
"""
