"""Files in and out: discovery, bytes and encodings, notebooks, atomic writes."""
