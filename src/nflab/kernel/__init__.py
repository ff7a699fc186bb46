"""Kernel mode: lab transcripts on this machine's real kernel, and ``nflab verify``.

- :mod:`.host`: what the host must have (root, the Debian programs);
- :mod:`.state`: runs under ``/run/nflab``, leftovers, ``nf_log_all_netns``;
- :mod:`.machine`: one machine's namespaces and private files;
- :mod:`.lab`: the :class:`~nflab.transcript.driver.Lab` over those machines;
- :mod:`.procs`: finding, ending and waiting for the lab's processes;
- :mod:`.kmsg`, :mod:`.dmesg`: the kernel log, and ``dmesg`` as a machine shows it;
- :mod:`.runner`: ``nflab run --kernel``; :mod:`.verify`: both worlds compared.
"""
