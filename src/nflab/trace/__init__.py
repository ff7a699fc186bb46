"""nflab's traces: where packets went through netfilter and the stack, and why.

The pipeline, one way: :mod:`.record` listens to the datapaths (hook passes,
rule engine steps, fates) and builds :mod:`.model` hops; :mod:`.analysis`
(with :mod:`.hookview`, :mod:`.explain`, :mod:`.flows`) turns them into the
:mod:`.report` values; :mod:`.text` (with :mod:`.diagram`) and
:mod:`.jsonout` render them. :mod:`.offline`, :mod:`.packetspec` and
:mod:`.replay` serve ``nflab trace`` outside a lab.
"""
