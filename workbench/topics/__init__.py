"""Topic mining of call texts with BERTopic, offline, in Mandarin and English.

* :mod:`~workbench.topics.text`: jieba tokenising, stop words and call-centre filler, redaction of examples.
* :mod:`~workbench.topics.embeddings`: the embedding-backend registry (nothing downloads), the embedding
  cache and centring per language.
* :mod:`~workbench.topics.model`: fit (the topic count chosen from the data), stable ids across runs,
  save/load, assign.
* :mod:`~workbench.topics.labels`: readable labels (a short representative question), reason sentences,
  topic words per language.
* :mod:`~workbench.topics.analysis`: share over time, emerging topics, the pain table (``called_again_rate``).
* :mod:`~workbench.topics.data`: texts from the store or a file, and writing results to the store.
* :mod:`~workbench.topics.pipeline`: the fit and assign jobs of ``workbench topics`` and the notebook.

An analysis module: it imports the store and its readers, :mod:`workbench.glossary`,
:mod:`workbench.registries` and the layers below, never another analysis module.
A new embedding backend is a factory in :mod:`.embeddings` with one registration in
:data:`workbench.registries.EMBEDDINGS`; a new pain-table metric goes into :mod:`.analysis`.
"""
