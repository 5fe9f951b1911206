"""Topic mining of call texts with BERTopic, offline, in Mandarin and English.

* :mod:`~workbench.topics.text`: jieba tokenising, stop words and call-centre filler, redaction of examples.
* :mod:`~workbench.topics.embeddings`: the embedding-backend registry (nothing downloads).
* :mod:`~workbench.topics.model`: fit, outlier reduction, stable ids across runs, save/load, assign.
* :mod:`~workbench.topics.analysis`: share over time, emerging topics, the pain table.
* :mod:`~workbench.topics.data`: texts from the store or a file, and writing results to the store.
"""
