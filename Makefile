# make install-dracut [DESTDIR=...] [DRACUTDIR=/usr/lib/dracut] [PYTHON=.venv/bin/python]
DRACUTDIR ?= /usr/lib/dracut
PYTHON ?= $(if $(wildcard .venv/bin/python),.venv/bin/python,python3)
RUNTIME_PYTHON ?= /usr/bin/python3

.PHONY: install-dracut
install-dracut:
	dracut/install.sh --engine-python $(PYTHON) --runtime-python $(RUNTIME_PYTHON) \
		--dracutdir $(DESTDIR)$(DRACUTDIR)
